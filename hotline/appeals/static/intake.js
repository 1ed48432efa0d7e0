// Expected deadlines for the caller: the policy's limits, counted by the calendar API
// (working days skip weekends and holidays, counting from the day after today).
(function () {
  const limits = JSON.parse(document.getElementById("limits").textContent);
  const form = document.querySelector("form.intake");
  const out = document.getElementById("expected");
  const fmt = (iso) => iso.slice(0, 16).replace("T", " ");
  async function due(limit) {
    const m = /^(\d+)(min|h|wd)$/.exec(limit);
    const param = {wd: "working_days", h: "hours", min: "minutes"}[m[2]];
    const resp = await fetch(`/api/v1/calendar/due?${param}=${m[1]}`, {credentials: "same-origin"});
    return fmt((await resp.json()).due_at);
  }
  async function update() {
    const key = `${form.urgency.value}/${form.type.value}`;
    if (!form.type.value || !limits[key]) return;
    const [sign, handle] = await Promise.all([due(limits[key].sign), due(limits[key].handle)]);
    out.textContent = `若现在派单：应于 ${sign} 前签收，${handle} 前办结答复。`;
    out.dataset.sign = sign;
    out.dataset.handle = handle;
  }
  form.type.addEventListener("change", update);
  form.urgency.addEventListener("change", update);
  update();
})();
