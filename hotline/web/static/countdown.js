// Live countdowns: every <time data-due="ISO"> says how long is left (or how long ago it
// ran out), and is marked when it is close or late; refreshed every 30 seconds.
(function () {
  "use strict";
  function spell(ms) {
    var minutes = Math.round(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) return days + "天" + (hours ? hours + "小时" : "");
    if (hours) return hours + "小时" + (mins ? mins + "分" : "");
    return mins + "分钟";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      var left = Date.parse(el.dataset.due) - now;
      el.textContent = left >= 0 ? "剩 " + spell(left) : "超 " + spell(left);
      el.classList.toggle("late", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 4 * 3600000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
  });
})();
