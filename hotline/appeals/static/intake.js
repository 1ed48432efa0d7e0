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

// 来电历史: once the phone field holds a whole number, the caller's earlier appeals (open
// ones first) from the list API, which audits the look-up. Built with textContent only.
(function () {
  const box = document.getElementById("caller-history");
  if (!box) return;  // not offered to this account
  const input = document.querySelector("form.intake [name=citizen_phone]");
  const list = document.getElementById("caller-history-items");
  const note = document.getElementById("caller-history-note");
  let asked = "";
  async function look() {
    const digits = input.value.replace(/[\s\-()]/g, "").replace(/^(\+?86)(?=1\d{10}$)/, "");
    if (!/^(1[3-9]\d{9}|0\d{9,11})$/.test(digits) || digits === asked) return;
    asked = digits;
    const resp = await fetch(`/api/v1/appeals?phone=${encodeURIComponent(digits)}&per_page=10`,
                             {credentials: "same-origin"});
    if (!resp.ok) { box.hidden = true; return; }
    const page = await resp.json();
    list.replaceChildren(...page.items.map((a) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/appeals/${a.id}`;
      link.textContent = a.number;
      const unit = a.current_unit ? ` · ${a.current_unit.name}` : "";
      li.append(link, ` ${a.received_at.slice(0, 10)} 【${a.state_label}】${a.title}${unit}`);
      return li;
    }));
    note.textContent = page.total ? `共 ${page.total} 件` : "此号码没有来电记录";
    box.hidden = false;
  }
  input.addEventListener("input", look);
  input.addEventListener("change", look);
  look();
})();
