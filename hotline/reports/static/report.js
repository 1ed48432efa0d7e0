// The button is shown only once it works: a tap before this script ran did nothing.
const locateButton = document.getElementById("locate");
locateButton.hidden = false;
locateButton.addEventListener("click", () => {
  const shown = document.getElementById("located");
  if (!navigator.geolocation) { shown.textContent = "此浏览器不支持定位"; return; }
  shown.textContent = "正在定位…";
  navigator.geolocation.getCurrentPosition((pos) => {
    const form = document.getElementById("report-form");
    form.lat.value = pos.coords.latitude.toFixed(6);
    form.lon.value = pos.coords.longitude.toFixed(6);
    form.lat.dispatchEvent(new Event("change"));  // the map's pin follows
    shown.textContent = `已定位：${form.lat.value}, ${form.lon.value}`;
  }, () => { shown.textContent = "无法获取位置，请在地图上点选或填写地点"; }, {enableHighAccuracy: true, timeout: 10000});
});

// A pin put on the map (map.js fills lat and lon) is said in words too.
document.getElementById("report-form").lat.addEventListener("change", (event) => {
  if (!event.bubbles) return;  // the geolocation's own, already said
  const form = event.target.form;
  document.getElementById("located").textContent = `已在地图上选定：${form.lat.value}, ${form.lon.value}`;
});

// Sent in the background, so that a refused form keeps what the citizen chose — above
// all the photos, which a page reload would drop: the server's errors are shown in place.
// Without this script the form posts as usual.
(function () {
  const form = document.getElementById("report-form");
  const summary = document.getElementById("report-errors");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const resp = await fetch(location.pathname, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: {"X-Hotline-Form": "fetch"},
      });
      if (resp.ok && (resp.headers.get("Content-Type") || "").includes("json")) {
        location.href = (await resp.json()).redirect;
        return;
      }
      const page = new DOMParser().parseFromString(await resp.text(), "text/html");
      form.querySelectorAll(".field-error").forEach((e) => e.remove());
      page.querySelectorAll("#report-form .field-error[data-for]").forEach((error) => {
        const input = form.elements[error.dataset.for];
        const at = input && (input.closest ? input : input[0]);
        (at ? at.closest("label") || at.parentElement : summary).appendChild(document.importNode(error, true));
      });
      const said = page.getElementById("report-errors");
      summary.textContent = said ? said.textContent : "提交失败，请稍后重试";
      summary.hidden = false;
      summary.scrollIntoView({block: "center"});
    } catch (e) {
      summary.textContent = "网络异常，请检查网络后重新提交（已选的照片仍在）";
      summary.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
})();
