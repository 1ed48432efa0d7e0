// One panel's questions to the API, answered newest only: a field changed while an answer
// was on its way supersedes it, so a slow earlier answer (the urgency's, say) never
// overwrites a later one (the category's). The panel (a live region) is aria-busy while a
// question is out, so a screen reader waits for the answer. Resolves to {ok, body}, or to
// null when superseded.
function newestOnly(region) {
  let latest = 0, out = 0;
  const ask = async (url) => {
    const mine = ++latest;
    out += 1;
    region.setAttribute("aria-busy", "true");
    try {
      const resp = await fetch(url, {credentials: "same-origin"});
      const body = resp.ok ? await resp.json() : null;
      return mine === latest ? {ok: resp.ok, body} : null;
    } finally {
      out -= 1;
      if (!out) region.setAttribute("aria-busy", "false");
    }
  };
  ask.drop = () => { latest += 1; };  // the panel was cleared: any answer on its way is stale
  return ask;
}

// Runs `look` once now and again 400 ms after the operator stops typing in any of the
// named fields of the form (the panels below ask the API as the call is taken down).
function whenTyped(form, names, look) {
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(look, 400);
  };
  for (const name of names) {
    form.elements[name].addEventListener("input", soon);
    form.elements[name].addEventListener("change", soon);
  }
  look();
}

// Expected deadlines for the caller: the server counts them as dispatch would now (the
// policy of the urgency and type, under the category's own ceiling, on the calendar).
(function () {
  const form = document.querySelector("form.intake");
  const out = document.getElementById("expected");
  const fmt = (iso) => iso.slice(0, 16).replace("T", " ");
  const ask = newestOnly(out);
  async function update() {
    if (!form.type.value) return;
    const params = new URLSearchParams({urgency: form.urgency.value, type: form.type.value});
    if (form.category.value) params.set("category", form.category.value);
    const answer = await ask(`/api/v1/sla-policies/expected?${params}`);
    if (!answer || !answer.ok) return;
    const found = answer.body;
    const sign = fmt(found.sign_due_at), handle = fmt(found.handle_due_at);
    out.textContent = `若现在派单（${found.policy}：签收${found.sign}，办结${found.handle}）：` +
      `应于 ${sign} 前签收，${handle} 前办结答复。`;
    out.dataset.sign = sign;
    out.dataset.handle = handle;
  }
  for (const name of ["type", "urgency", "category"]) form[name].addEventListener("change", update);
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
  const ask = newestOnly(box);
  let asked = "";
  async function look() {
    const digits = input.value.replace(/[\s\-()]/g, "").replace(/^(\+?86)(?=1\d{10}$)/, "");
    if (!/^(1[3-9]\d{9}|0\d{9,11})$/.test(digits) || digits === asked) return;
    asked = digits;
    const answer = await ask(`/api/v1/appeals?phone=${encodeURIComponent(digits)}&per_page=10`);
    if (!answer) return;
    if (!answer.ok) { box.hidden = true; return; }
    const page = answer.body;
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

// 疑似重复: as the operator types, the recent appeals that may be about the same problem
// (same caller, same grid or nearby, same category, similar text), with buttons that
// register this one and then merge it into, or link it to, the one chosen.
(function () {
  const box = document.getElementById("similar");
  if (!box) return;  // not offered to this account
  const form = document.querySelector("form.intake");
  const list = document.getElementById("similar-items");
  const note = document.getElementById("similar-note");
  const fields = ["category", "title", "content", "address", "lat", "lon", "citizen_phone"];
  const ask = newestOnly(box);
  let asked = "";
  function button(name, value, text) {
    const b = document.createElement("button");
    b.type = "submit";
    b.name = name;
    b.value = value;
    b.textContent = text;
    return b;
  }
  async function look() {
    const params = new URLSearchParams();
    for (const name of fields) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    if (!params.has("title") && !params.has("lat") && !params.has("citizen_phone") && !params.has("address")) return;
    const query = params.toString();
    if (query === asked) return;
    asked = query;
    const answer = await ask(`/api/v1/appeals/similar?${query}`);
    if (!answer || !answer.ok) return;  // a field still being typed (a half latitude …): keep what is shown
    const found = answer.body.items;
    list.replaceChildren(...found.map((c) => {
      const li = document.createElement("li");
      li.dataset.candidate = c.appeal.id;
      const link = document.createElement("a");
      link.href = `/appeals/${c.appeal.id}`;
      link.target = "_blank";
      link.textContent = c.appeal.number;
      const why = document.createElement("span");
      why.className = "muted";
      why.textContent = ` 相似度 ${Math.round(c.score * 100)}% · ${c.reasons.join("、")}`;
      li.append(link, ` 【${c.appeal.state_label}】${c.appeal.title}`, why, " ");
      if (c.mergeable) li.append(button("merge_into", c.appeal.id, "登记后并入"));
      else if (c.repeatable) li.append(button("repeat_of", c.appeal.id, "登记后关联"));
      return li;
    }));
    note.textContent = found.length ? `${found.length} 件` : "";
    box.hidden = found.length === 0;
  }
  whenTyped(form, fields, look);
})();

// 受理辅助: from the title and content (and the district of the point), the categories and
// units the centre's answered appeals suggest, each with its confidence. A category is
// only taken when the operator presses it; the units are for the dispatcher to weigh.
(function () {
  const box = document.getElementById("assist");
  if (!box) return;  // not offered to this account
  const form = document.querySelector("form.intake");
  const note = document.getElementById("assist-note");
  const categories = document.getElementById("assist-categories");
  const units = document.getElementById("assist-units");
  const pct = (p) => `${Math.round(p * 100)}%`;
  const ask = newestOnly(box);
  let asked = "";
  async function look() {
    const params = new URLSearchParams();
    for (const name of ["title", "content", "lat", "lon"]) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    if (!params.has("title") && !params.has("content")) return;
    const query = params.toString();
    if (query === asked) return;
    asked = query;
    const answer = await ask(`/api/v1/appeals/assist?${query}`);
    if (!answer || !answer.ok) return;
    const found = answer.body;
    box.hidden = false;
    if (!found.ready) {
      note.textContent = found.reason;
      categories.replaceChildren();
      units.textContent = "";
      return;
    }
    note.textContent = `（学自 ${found.samples} 件已答复诉求，仅供参考）`;
    categories.replaceChildren(...found.categories.map((c) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link-blue";
      b.dataset.category = c.code;
      b.textContent = `${c.full_name} ${pct(c.confidence)}`;
      b.addEventListener("click", () => {
        form.elements.category.value = c.code;
        form.elements.category.dispatchEvent(new Event("change"));
      });
      return b;
    }));
    units.textContent = found.units.length
      ? `以往承办：${found.units.map((u) => `${u.name} ${pct(u.confidence)}`).join("、")}` : "";
  }
  whenTyped(form, ["title", "content", "lat", "lon"], look);
})();

// 分类 by typing: its name, its code, or its pinyin (initials or in full), as the options'
// data-keys hold them; the first match is chosen, Enter keeps it and moves on.
(function () {
  const pick = document.getElementById("category-pick");
  if (!pick) return;
  const select = document.querySelector("form.intake [name=category]");
  const note = document.getElementById("category-pick-note");
  const options = [...select.options].filter((o) => o.value);
  pick.addEventListener("input", () => {
    const words = pick.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let first = null, count = 0;
    for (const option of options) {
      const keys = option.dataset.keys || "";
      const hit = words.every((w) => keys.includes(w));
      option.hidden = words.length > 0 && !hit;
      if (hit && words.length) { count += 1; first = first || option; }
    }
    if (first) select.value = first.value;
    note.textContent = words.length ? (count ? `匹配 ${count} 项，已选「${first.textContent}」` : "没有匹配的分类") : "";
    select.dispatchEvent(new Event("change", {bubbles: true}));
  });
  pick.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {  // keep the choice, do not submit the form
      event.preventDefault();
      select.focus();
    }
  });
})();

// Where the point routes to, before saving: the grid and the areas above it, from the
// routing API (the same index intake uses).
(function () {
  const form = document.querySelector("form.intake");
  const out = document.getElementById("placement");
  if (!out) return;
  const ask = newestOnly(out);
  async function locate() {
    const lat = parseFloat(form.lat.value), lon = parseFloat(form.lon.value);
    if (!isFinite(lat) || !isFinite(lon)) return;
    const answer = await ask(`/api/v1/routing/locate?lat=${lat}&lon=${lon}`);
    if (!answer) return;
    if (!answer.ok) { out.textContent = "坐标有误：须在中国境内"; return; }
    const found = answer.body;
    const chain = found.chain.map((u) => u.name).join(" / ");
    out.textContent = found.grid ? `落入网格：${chain}` : `${found.reason}${chain ? "（" + chain + "）" : ""}`;
    out.dataset.grid = found.grid ? found.grid.code : "";
    out.dataset.unit = found.unit ? found.unit.id : "";
    form.dispatchEvent(new Event("placed"));
  }
  form.lat.addEventListener("change", locate);
  form.lon.addEventListener("change", locate);
  locate();
})();

// 知识库 for a 直接答复: entries matching the title (or the operator's own words), valid
// for the place once it is known; a button registers the call and answers it from one.
(function () {
  const box = document.getElementById("knowledge");
  if (!box) return;  // not offered to this account
  const form = document.querySelector("form.intake");
  const own = document.getElementById("knowledge-q");
  const list = document.getElementById("knowledge-items");
  const note = document.getElementById("knowledge-note");
  const placement = document.getElementById("placement");
  const ask = newestOnly(list);
  let asked = "";
  async function look() {
    const words = (own.value.trim() || form.elements.title.value.trim()).slice(0, 100);
    const params = new URLSearchParams({q: words, per_page: "5"});
    if (placement && placement.dataset.unit) params.set("unit", placement.dataset.unit);
    const query = params.toString();
    if (query === asked) return;
    asked = query;
    if (!words) { ask.drop(); list.replaceChildren(); note.textContent = ""; return; }
    const answer = await ask(`/api/v1/knowledge?${query}`);
    if (!answer || !answer.ok) return;
    const found = answer.body.items;
    list.replaceChildren(...found.map((e) => {
      const li = document.createElement("li");
      li.dataset.entry = e.id;
      const title = document.createElement("strong");
      title.textContent = e.title;
      const where = document.createElement("span");
      where.className = "muted";
      where.textContent = ` ${e.category ? e.category.name : "不限分类"} · ${e.area ? e.area.name : "全辖区"} · 已用 ${e.answered} 次 `;
      const answer = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = "答复口径";
      const text = document.createElement("p");
      text.textContent = e.answer;
      answer.append(summary, text);
      const b = document.createElement("button");
      b.type = "submit";
      b.name = "answer_with";
      b.value = e.id;
      b.textContent = "登记并直接答复";
      li.append(title, where, b, answer);
      return li;
    }));
    note.textContent = found.length ? `${found.length} 条` : "没有匹配的条目";
  }
  own.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {  // search, do not register
      event.preventDefault();
      look();
    }
  });
  let timer = null;
  own.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(look, 400); });
  form.addEventListener("placed", look);
  whenTyped(form, ["title"], look);
})();

// Shortcuts: Alt+S 受理, Alt+N 受理并登记下一件 (the buttons' data-shortcut), from any field.
document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  const button = document.querySelector(`form.intake button[data-shortcut="${event.key.toLowerCase()}"]`);
  if (!button) return;
  event.preventDefault();
  button.click();
});
