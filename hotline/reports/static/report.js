document.getElementById("locate").addEventListener("click", () => {
  const shown = document.getElementById("located");
  if (!navigator.geolocation) { shown.textContent = "此浏览器不支持定位"; return; }
  shown.textContent = "正在定位…";
  navigator.geolocation.getCurrentPosition((pos) => {
    const form = document.getElementById("report-form");
    form.lat.value = pos.coords.latitude.toFixed(6);
    form.lon.value = pos.coords.longitude.toFixed(6);
    shown.textContent = `已定位：${form.lat.value}, ${form.lon.value}`;
  }, () => { shown.textContent = "无法获取位置，请填写地点"; }, {enableHighAccuracy: true, timeout: 10000});
});
