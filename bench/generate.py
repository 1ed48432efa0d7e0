"""A province's 12345 in data, for the benchmarks: the organisation (cities, districts,
streets, communities and grids with polygons that nest, departments at each level), the
centre and its accounts, the demo's category taxonomy, and N appeals with their events.

Distributions are set to look like a real centre's year, not the demo's handful:
channels (电话 most, then 随手拍, 主动发现 …), types, urgencies (1 % 特急), categories
(a few very common: Zipf), units by population (districts lognormal), received times over
the last year, states by age (old appeals are closed, a few merged or void, recent ones
open at every step, some overdue), the events each state implies, deadlines, return visits
and ratings (five levels, mostly 满意; 是否联系过您 answered yes by 15 in 16). Rows go in
by COPY on PostgreSQL and by executemany on SQLite.

    from generate import Province, generate
    province = generate(app, appeals=1_000_000, scale=FULL)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

DEPARTMENT_TYPES = (("CG", "城管"), ("ZJ", "住建"), ("SJ", "市场监管"), ("HB", "生态环境"))


@dataclass(frozen=True)
class Scale:
    cities: int
    districts: int  # per city
    streets: int  # per district
    communities: int  # per street
    grids: int  # per community (alternately this and one more)


# 14 cities, 98 districts, ~1,500 streets, ~15,000 communities, ~22,000 grids.
FULL = Scale(cities=14, districts=7, streets=15, communities=10, grids=1)
SMOKE = Scale(cities=2, districts=2, streets=2, communities=2, grids=1)
BOX = (118.0, 34.0, 124.0, 40.0)  # west, south, east, north


@dataclass
class Province:
    """What the benchmarks need to know of what was generated."""

    centre_id: int
    levels: dict[str, list[int]] = field(default_factory=dict)  # level -> area unit ids
    departments: list[int] = field(default_factory=list)
    paths: dict[int, str] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)  # role in the benchmark -> username
    appeals: int = 0


def _rect(w: float, s: float, e: float, n: float) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})


def _split(lo: float, hi: float, parts: int, i: int) -> tuple[float, float]:
    step = (hi - lo) / parts
    return lo + step * i, lo + step * (i + 1)


def _units(scale: Scale) -> list[tuple]:
    """(id, code, name, level, kind, dept_type, parent_id, path, boundary) for the province."""
    rows: list[tuple] = []

    def add(code: str, name: str, level: str, parent: tuple | None, kind: str = "area",
            dept: str | None = None, box: tuple | None = None) -> tuple:  # fmt: skip
        row = (len(rows) + 1, code, name, level, kind, dept, parent[0] if parent else None,
               f"{parent[7] if parent else '/'}{code}/", _rect(*box) if box else None)  # fmt: skip
        rows.append(row)
        return row

    province = add("37", "山东省", "province", None, box=BOX)
    add("37RX", "山东省12345政务服务便民热线", "province", province, kind="centre")
    for c in range(scale.cities):
        cw, ce = _split(BOX[0], BOX[2], scale.cities, c)
        city = add(f"37{c + 1:02d}", f"第{c + 1}市", "city", province, box=(cw, BOX[1], ce, BOX[3]))
        for suffix, dept in DEPARTMENT_TYPES:
            add(f"{city[1]}{suffix}", f"{city[2]}{dept}局", "city", city, "department", dept)
        for d in range(scale.districts):
            ds, dn = _split(BOX[1], BOX[3], scale.districts, d)
            district = add(f"{city[1]}{d + 1:02d}", f"{city[2]}第{d + 1}区", "district", city, box=(cw, ds, ce, dn))
            for suffix, dept in DEPARTMENT_TYPES:
                add(f"{district[1]}{suffix}", f"{district[2]}{dept}局", "district", district, "department", dept)
            for s in range(scale.streets):
                sw, se = _split(cw, ce, scale.streets, s)
                street = add(f"{district[1]}{s + 1:03d}", f"{district[2]}第{s + 1}街道", "street", district,
                             box=(sw, ds, se, dn))  # fmt: skip
                for m in range(scale.communities):
                    ms, mn = _split(ds, dn, scale.communities, m)
                    community = add(f"{street[1]}{m + 1:03d}", f"{street[2]}第{m + 1}社区", "community", street,
                                    box=(sw, ms, se, mn))  # fmt: skip
                    grids = scale.grids + (m % 2)
                    for g in range(grids):
                        gw, ge = _split(sw, se, grids, g)
                        add(f"{community[1]}{g + 1:03d}", f"{community[2]}第{g + 1}网格", "grid", community,
                            box=(gw, ms, ge, mn))  # fmt: skip
    return rows


UNIT_COLUMNS = ("id", "code", "name", "level", "kind", "dept_type", "parent_id", "path", "boundary", "active")
APPEAL_COLUMNS = (
    "id", "number", "query_code", "channel", "type", "category_id", "urgency", "title", "content",
    "citizen_name", "citizen_phone", "is_confidential", "is_anonymous", "is_enterprise", "address", "lat", "lon",
    "grid_id", "place_unit_id", "state", "current_unit_id", "main_unit_id", "escalated_to_unit_id",
    "designated", "received_at", "created_at", "updated_at", "dispatched_at", "signed_at", "replied_at",
    "approved_at", "visited_at", "closed_at", "sign_due_at", "due_at", "visit_due_at", "sla_due_at",
    "sla_warn_at", "dispatch_count", "return_count", "reopen_count", "extension_count", "result",
    "public_reply", "reply_resolved", "resolved", "satisfaction", "citizen_contacted", "rated_via", "rated_at",
    "version",
)  # fmt: skip
EVENT_COLUMNS = ("appeal_id", "at", "actor_id", "unit_id", "action", "from_state", "to_state", "target_unit_id",
                 "payload")  # fmt: skip

CHANNELS = (("电话", "01", 0.62), ("网站", "02", 0.08), ("随手拍", "03", 0.15), ("Open311", "04", 0.02),
            ("110转入", "05", 0.03), ("主动发现", "06", 0.10))  # fmt: skip
TYPES = (("咨询", 0.30), ("求助", 0.25), ("投诉", 0.30), ("举报", 0.05), ("建议", 0.07), ("表扬", 0.03))
URGENCIES = (("一般", 0.94), ("紧急", 0.05), ("特急", 0.01))
SATISFACTIONS = (("非常满意", 0.35), ("满意", 0.45), ("基本满意", 0.12), ("不满意", 0.06), ("非常不满意", 0.02))
RESOLUTIONS = (("解决", 0.85), ("部分解决", 0.10), ("未解决", 0.05))
OPEN_STATES = (("accepted", 0.08), ("dispatched", 0.12), ("handling", 0.45), ("supervised", 0.05),
               ("replied", 0.10), ("revisiting", 0.15), ("auditing", 0.05))  # fmt: skip
# What each state implies happened, in order: (action, from, to).
PATH = [("dispatch", "accepted", "dispatched"), ("sign", "dispatched", "handling"), ("reply", "handling", "replied"),
        ("approve_reply", "replied", "revisiting"), ("visit", "revisiting", "auditing"),
        ("audit", "auditing", "evaluated")]  # fmt: skip
STEPS = {"accepted": 0, "dispatched": 1, "handling": 2, "supervised": 2, "replied": 3, "revisiting": 4,
         "auditing": 5, "evaluated": 6}  # fmt: skip


def _pick(rng: np.random.Generator, table: tuple, n: int) -> np.ndarray:
    weights = np.array([t[-1] for t in table], dtype=float)
    return rng.choice(len(table), size=n, p=weights / weights.sum())


@dataclass(frozen=True)
class Ages:
    """How old the appeals are and how many are still open: a year of a centre by default;
    a backlog (`BACKLOG`: a month of appeals, most still open) for the escalation sweep."""

    window_days: float = 365  # received within this many days
    closed_share: float = 0.5  # of those under a month old, closed (older ones all are)
    overdue_share: float = 0.15  # of the open steps with a clock, past it
    # The other clocks still run (as in a centre whose sweep has carded every lapse so far);
    # otherwise they follow from the step's time, so an old unsigned appeal is late too.
    others_on_time: bool = False


YEAR = Ages()
BACKLOG = Ages(window_days=30, closed_share=0.1, overdue_share=0.1, others_on_time=True)


def generate(
    app: Any, *, appeals: int, scale: Scale = FULL, seed: int = 12345, chunk: int = 100_000, ages: Ages = YEAR
) -> Province:
    """Fill the app's (migrated, empty) database; returns what was made."""
    from sqlalchemy import select

    from hotline.auth.operations import hash_password, new_user
    from hotline.categories.models import Category
    from hotline.categories.search import spell_categories
    from hotline.core import revisions
    from hotline.core.db import write_transaction
    from hotline.core.extensions import db
    from hotline.demo.reference import build_categories
    from hotline.metrics.contributions import rebuild

    rng = np.random.default_rng(seed)
    units = _units(scale)
    province = Province(centre_id=units[1][0])
    with app.app_context():
        _write(db, "units", UNIT_COLUMNS, [(*u, True) for u in units])
        with write_transaction(db.session):
            build_categories()
            db.session.flush()
            spell_categories()
            revisions.bump("grid")
        by_id = {u[0]: u for u in units}
        for u in units:
            province.paths[u[0]] = u[7]
            province.parents[u[0]] = u[6]
            if u[4] == "area":
                province.levels.setdefault(u[3], []).append(u[0])
            elif u[4] == "department":
                province.departments.append(u[0])
        # The accounts the read benchmarks sign in as: the centre's, a district's, a street's, a grid's.
        district = province.levels["district"][0]
        street = next(s for s in province.levels["street"] if by_id[s][6] == district)
        grid = next(g for g in province.levels["grid"] if by_id[g][7].startswith(by_id[street][7]))
        hashed = hash_password("bench-password")
        with write_transaction(db.session):
            for name, unit_id, roles in (("admin", province.centre_id, ["admin"]),
                                         ("operator", province.centre_id, ["operator"]),
                                         ("dispatcher", province.centre_id, ["dispatcher"]),
                                         ("supervisor", province.centre_id, ["supervisor"]),
                                         ("visitor", province.centre_id, ["visitor"]),
                                         ("district", district, ["handler", "supervisor"]),
                                         ("street", street, ["handler", "supervisor"]),
                                         ("grid", grid, ["handler"])):  # fmt: skip
                db.session.add(new_user(name, name, unit_id, roles, password_hash=hashed))
        province.accounts = {"centre": "supervisor", "district": "district", "street": "street", "grid": "grid"}
        categories = db.session.execute(
            select(Category.id, Category.code, Category.name).where(Category.level == Category.LEAF_LEVEL)
        ).all()
        leaves = [c.id for c in categories]
        texts = Texts(categories, postgres=db.engine.dialect.name == "postgresql")
        for start in range(0, appeals, chunk):
            rows, events, reach, open_reach, search = _appeals(rng, start, min(chunk, appeals - start), province,
                                                               by_id, leaves, ages, texts)  # fmt: skip
            _write(db, "appeals", APPEAL_COLUMNS, rows)
            _write(db, "appeal_search", texts.columns, search)
            _write(db, "appeal_events", EVENT_COLUMNS, events)
            _write(db, "appeal_reach", ("unit_id", "appeal_id"), reach)
            _write(db, "appeal_open_reach", ("unit_id", "appeal_id"), open_reach)
        # The assessment's stored contributions of the evaluated appeals, and their daily sums.
        rebuild()
        # End the session's transaction first: VACUUM cannot mark pages all-visible (what
        # index-only scans need) while a snapshot older than their rows is open.
        db.session.remove()
        _finish(db)
    province.appeals = appeals
    return province


def _appeals(rng: np.random.Generator, start: int, n: int, province: Province, by_id: dict[int, tuple],
             leaves: list[int], ages: Ages,
             texts: Texts) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple], list[tuple]]:  # fmt: skip
    now = datetime.now(UTC)
    grids = province.levels["grid"]
    districts = province.levels["district"]
    # People live unevenly: each district's share is lognormal, each grid shares its district's.
    district_weight = np.random.default_rng(7).lognormal(0, 0.8, len(districts))
    district_index = {d: i for i, d in enumerate(districts)}
    grid_district = np.array([district_index[_ancestor(province, g, "district")] for g in grids])
    grid_weight = district_weight[grid_district] / np.bincount(grid_district)[grid_district]
    grid_pick = rng.choice(len(grids), size=n, p=grid_weight / grid_weight.sum())
    zipf = 1 / np.arange(1, len(leaves) + 1) ** 1.1
    category_pick = rng.choice(len(leaves), size=n, p=zipf / zipf.sum())
    channel_pick, type_pick, urgency_pick = _pick(rng, CHANNELS, n), _pick(rng, TYPES, n), _pick(rng, URGENCIES, n)
    age_days = rng.uniform(0, ages.window_days, n)
    closed_roll, state_roll, handler_roll, overdue_roll = (rng.random(n) for _ in range(4))
    open_pick, satisfaction_pick, resolution_pick = (_pick(rng, OPEN_STATES, n), _pick(rng, SATISFACTIONS, n),
                                                     _pick(rng, RESOLUTIONS, n))  # fmt: skip
    hours = np.cumsum(rng.exponential(20, (n, 7)), axis=1)
    department_pick = rng.integers(len(province.departments), size=n)
    rows: list[tuple] = []
    events: list[tuple] = []
    reach: list[tuple] = []  # the handler it was dispatched to and every unit above it
    open_reach: list[tuple] = []  # the same, for the appeals still open
    above = {u: _above(province, u) for u in {*province.departments, *province.levels["street"]}}
    search: list[tuple] = []
    wording = rng.random((n, 3))
    for k in range(n):
        appeal_id = start + k + 1
        grid = grids[grid_pick[k]]
        street = _ancestor(province, grid, "street")
        received = now - timedelta(days=float(age_days[k]), seconds=int(rng.integers(0, 3600)))
        channel, code, _ = CHANNELS[channel_pick[k]]
        kind = TYPES[type_pick[k]][0]
        urgency = URGENCIES[urgency_pick[k]][0]
        # State by age: a month-old appeal is closed (a few merged or void), a recent one may be anywhere.
        if age_days[k] > 30 or closed_roll[k] < ages.closed_share:
            roll = state_roll[k]
            state = "merged" if roll < 0.03 else "voided" if roll < 0.05 else "evaluated"
        else:
            state = OPEN_STATES[open_pick[k]][0]
        handler = street if handler_roll[k] < 0.7 else province.departments[department_pick[k]]
        steps = STEPS.get(state, 0)
        times = [received + timedelta(hours=float(h)) for h in hours[k]]
        dispatched = times[0] if steps >= 1 else None
        signed = times[1] if steps >= 2 else None
        replied = times[2] if steps >= 3 else None
        approved = times[3] if steps >= 4 else None
        visited = times[4] if steps >= 5 else None
        closed = (
            times[5]
            if state == "evaluated"
            else received + timedelta(hours=1)
            if state in ("merged", "voided")
            else None
        )
        sign_due = dispatched + timedelta(days=1) if dispatched else None
        due = dispatched + timedelta(days=14) if dispatched else None
        visit_due = approved + timedelta(days=3) if approved else None
        clock = {"dispatched": sign_due, "handling": due, "supervised": due, "revisiting": visit_due}.get(state)
        # Some open steps are overdue (their clock already ran out).
        if clock is not None and overdue_roll[k] < ages.overdue_share:
            clock = now - timedelta(hours=float(rng.uniform(1, 200)))
        elif clock is not None and ages.others_on_time and clock <= now:
            clock = now + timedelta(hours=float(rng.uniform(1, 300)))
        # the step's own deadline is the clock it runs on
        if state == "dispatched":
            sign_due = clock
        elif state in ("handling", "supervised"):
            due = clock
        elif state == "revisiting":
            visit_due = clock
        current = handler if state in ("dispatched", "handling", "supervised") else None
        main = handler if steps >= 1 else None
        satisfaction = SATISFACTIONS[satisfaction_pick[k]][0] if visited else "未评价"
        resolved = RESOLUTIONS[resolution_pick[k]][0] if visited else None
        lon, lat = _centre_of(by_id[grid])
        title, address, content, document = texts.appeal(category_pick[k], *wording[k])
        reached = above[handler] if steps >= 1 else []
        search.append(texts.search_row(appeal_id, document, reached))
        rows.append((
            appeal_id, f"{received:%Y%m%d}{code}{appeal_id:06d}"[-16:], f"{appeal_id % 1_000_000:06d}", channel, kind,
            leaves[category_pick[k]], urgency, title, content, "市民", f"139{appeal_id % 100_000_000:08d}",
            False, False, kind == "投诉" and state_roll[k] > 0.9, address, lat, lon, grid, grid, state, current,
            main,
            province.parents[handler] if current else None, False, received, received, closed or times[0],
            dispatched, signed, replied, approved, visited, closed, sign_due, due, visit_due, clock,
            clock - timedelta(hours=8) if clock else None, 1 if steps >= 1 else 0, 0, 0, 0,
            "已办理" if replied else None, "已办理" if replied else None, "解决" if replied else None, resolved,
            satisfaction, (appeal_id % 16 != 0) if visited else None, "visit" if visited else None, visited, 1 + steps,
        ))  # fmt: skip
        events.append((appeal_id, received, None, province.centre_id, "create", None, "accepted", None, "{}"))
        if state in ("merged", "voided"):
            action = "merge" if state == "merged" else "void"
            events.append((appeal_id, closed, None, province.centre_id, action, "accepted", state, None, "{}"))
        reach.extend((unit, appeal_id) for unit in reached)
        if state not in ("evaluated", "merged", "voided"):
            open_reach.extend((unit, appeal_id) for unit in reached)
        for i, (action, before, after) in enumerate(PATH[:steps]):
            actor_unit = handler if action in ("sign", "reply") else province.centre_id
            target = handler if action == "dispatch" else None
            events.append((appeal_id, times[i], None, actor_unit, action, before, after, target, "{}"))
    return rows, events, reach, open_reach, search


def _above(province: Province, unit: int) -> list[int]:
    """The unit and every unit above it."""
    chain: list[int] = []
    node: int | None = unit
    while node is not None:
        chain.append(node)
        node = province.parents[node]
    return chain


def _ancestor(province: Province, unit: int, level: str) -> int:
    depth = ("province", "city", "district", "street", "community", "grid").index(level)
    node: int | None = unit
    while node is not None and province.paths[node].count("/") - 2 > depth:
        node = province.parents[node]
    assert node is not None
    return node


ROADS = (
    "中山路", "人民路", "解放路", "建设大街", "和平街", "北京街", "长江路", "黄河大街", "青年大街", "文化路",
    "胜利街", "新华路", "光明路", "友谊街", "团结路", "工农路", "朝阳街", "民主路", "幸福街", "繁荣路",
    "兴华街", "滨河路", "南京街", "太原街", "西安路", "泰山路", "华山路", "松花江街", "珠江街", "崇山路",
)  # fmt: skip
HOUSE_NUMBERS = 300


class Texts:
    """What each appeal says: the demo's texts of its category (a generic one where the demo
    has none) at an address on one of ROADS, and its search document. The terms of each
    template's parts and of each address are worked out once: ten million appeals made of
    some forty templates and nine thousand addresses (so the bigram spanning a template's
    text and the address is left out, which changes no benchmark's result)."""

    def __init__(self, categories: list[Any], *, postgres: bool) -> None:
        from hotline.core.fulltext import terms
        from hotline.demo.texts import TEXTS

        self._terms = terms
        self.postgres = postgres
        self.columns = ("doc_id", "document", "scopes") if postgres else ("rowid", "title", "address", "content")
        self.templates: list[list[tuple[str, str, str, list[str], list[str], list[str]]]] = []
        for c in categories:
            written = [(title, content) for _, title, content, _ in TEXTS.get(c.code, [])]
            written = written or [(f"{c.name}问题", f"{{place}}附近存在{c.name}问题，影响居民生活，请尽快处理。")]
            parts = []
            for title, content in written:
                before, _, after = content.partition("{place}")
                parts.append((title, before, after, terms(title), terms(before), terms(after)))
            self.templates.append(parts)
        self._addresses: dict[int, tuple[str, list[str]]] = {}

    def appeal(self, category: int, pick_template: float, pick_road: float, pick_number: float) -> tuple:
        """(title, address, content, search document row) of an appeal of that category."""
        options = self.templates[category]
        title, before, after, title_terms, before_terms, after_terms = options[int(pick_template * len(options))]
        key = int(pick_road * len(ROADS)) * HOUSE_NUMBERS + int(pick_number * HOUSE_NUMBERS)
        if key not in self._addresses:
            address = f"{ROADS[key // HOUSE_NUMBERS]}{key % HOUSE_NUMBERS + 1}号"
            self._addresses[key] = (address, self._terms(address))
        address, address_terms = self._addresses[key]
        content = f"{before}{address}{after}"
        if self.postgres:  # the lexemes, without positions: the index only filters appeals
            lexemes = {*title_terms, *address_terms, *before_terms, *after_terms}
            return title, address, content, (" ".join(f"'{t}'" for t in lexemes),)
        document = (" ".join(title_terms), " ".join(address_terms),
                    " ".join([*before_terms, *address_terms, *after_terms]))  # fmt: skip
        return title, address, content, document

    def search_row(self, appeal_id: int, document: tuple, reached: list[int]) -> tuple:
        """The appeal's row of the search index; on PostgreSQL with the units it reached
        (its scopes, as visibility.record_reach writes them)."""
        if self.postgres:
            return (appeal_id, *document, "{" + ",".join(map(str, sorted(reached))) + "}")
        return (appeal_id, *document)


def _centre_of(unit: tuple) -> tuple[float, float]:
    ring = json.loads(unit[8])["coordinates"][0]
    return (ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2


def _write(db: Any, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY on PostgreSQL, executemany on SQLite, committed."""
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        raw = db.engine.raw_connection()
        try:
            with (
                raw.driver_connection.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            raw.driver_connection.commit()
        finally:
            raw.close()
        return
    from sqlalchemy import text

    placeholders = ", ".join(f":{c}" for c in columns)
    with db.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"),
                     [_sqlite_row(dict(zip(columns, r, strict=True))) for r in rows])  # fmt: skip


def _sqlite_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v) for k, v in row.items()}


def _finish(db: Any) -> None:
    """Sequences after explicit ids, and fresh statistics (as autovacuum would have)."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            for table in ("units", "appeals", "appeal_events"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            conn.commit()
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
