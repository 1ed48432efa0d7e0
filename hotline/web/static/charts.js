// Charts from the vendored Chart.js: <canvas data-chart='{"type": …, "data": …, "options": …}'>,
// the configuration written by the page's view (a data attribute, not an inline script,
// which the Content-Security-Policy forbids).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) return;
    Chart.defaults.font.family = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
    Chart.defaults.animation = false;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var config = JSON.parse(canvas.dataset.chart);
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
      new Chart(canvas, config);
      canvas.dataset.ready = "true";
    });
  });
})();
