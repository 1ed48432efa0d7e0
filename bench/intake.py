"""Intake throughput: `POST /api/v1/appeals` served by gunicorn (sync workers) on
PostgreSQL, against the bare-insert floor (bench/floor_app.py) measured in the same run on
the same database, at 2 and 4 workers (all served at once, measured in turn in each round);
the SQL each intake and each action costs, and the Redis round trips an intake costs under
load (a web process gathers its requests' outbox rows into one push per hand-over window).

Targets (issue 11): ≥ 1,000 appeals/s and p99 ≤ 50 ms at the saturating concurrency, or
within 1.5× of the floor, whichever is lower; more workers never slower than fewer.

The load comes from `wrk` (Debian's package) when installed, else from a Python client with
keep-alive connections (slower: it shares the two cores with the server). Redis is set, as
in the scale-out set-up, so side effects go to the RQ queue; no RQ worker runs during the
measurement (they belong on other machines).

    .venv/bin/python bench/intake.py [--seconds 10] [--connections N] [--peer 0] [--smoke]

The peer, django-helpdesk's ticket API, is measured in the same run with the same workers,
database server and load; the benchmark installs it from PyPI into its own virtualenv on
first use (bench/peer.py says how). A smoke run leaves it out (it needs the package index).
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NamedTuple

import peer
from harness import Row, arguments, gunicorn, migrated_app, postgres_database, report

REDIS_URL = os.environ.get("HOTLINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BODY = {
    "type": "投诉", "category": "040201", "title": "车辆长期占用消防通道",
    "content": "太原北街86号小区消防通道常年停满私家车，消防车无法进入。",
    "citizen_name": "王先生", "citizen_phone": "13812345678",
    "address": "和平区太原北街86号", "lat": 41.88, "lon": 123.32,
}  # fmt: skip


def load_with_wrk(
    port: int, path: str, headers: dict[str, str], seconds: int, connections: int, payload: dict = BODY
) -> dict[str, float]:
    script = Path(tempfile.mkdtemp()) / "post.lua"
    lines = ['wrk.method = "POST"', f"wrk.body = {_lua(json.dumps(payload, ensure_ascii=False))}"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in {**headers, "Content-Type": "application/json"}.items()]
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return _wrk_figures(_wrk(port, script, seconds, connections, path))


def _wrk(port: int, script: Path, seconds: int, connections: int, path: str, threads: int = 2) -> str:
    return subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def _wrk_figures(out: str) -> dict[str, float]:
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
            "failed": float(failed.group(1)) if failed else 0.0}  # fmt: skip


def _lua(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a Lua string literal


class Each(NamedTuple):
    """A request made for one id: `path` and `body` hold "{id}" where the id goes."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict | None = None

    def fill(self, item: int) -> tuple[str, str | None]:
        body = None if self.body is None else json.dumps(self.body, ensure_ascii=False).replace('"{id}"', str(item))
        return self.path.replace("{id}", str(item)), body

    def lua(self) -> str:
        """{method, path format, body format or nil, headers} for the wrk script."""
        body = (
            "nil"
            if self.body is None
            else _lua(json.dumps(self.body, ensure_ascii=False).replace("%", "%%").replace('"{id}"', "%d"))
        )
        headers = {**self.headers, "Content-Type": "application/json"}
        return (f"{{{_lua(self.method)}, {_lua(self.path.replace('%', '%%').replace('{id}', '%d'))}, {body}, "
                f"{{{', '.join(f'[{_lua(k)}] = {_lua(v)}' for k, v in headers.items())}}}}}")  # fmt: skip


def load_pairs_with_wrk(
    port: int, steps: tuple[Each, Each], ids: list[int], seconds: int, connections: int
) -> dict[str, float]:
    """wrk making both requests of `steps` for one id after the other, on one connection
    per thread (so the second never overtakes the first), each thread its own share of the
    ids. The ids must outlast the run: wrk measures for the whole duration, so a thread that
    ran out would repeat its last id (counted, and the run refused). The rate is pairs/s."""
    script = Path(tempfile.mkdtemp()) / "pairs.lua"
    script.write_text(
        f"""local ids = {{{",".join(map(str, ids))}}}
local steps = {{{steps[0].lua()}, {steps[1].lua()}}}
local threads, count = {{}}, 0
function setup(thread)
  thread:set("tid", count)
  count = count + 1
  table.insert(threads, thread)
end
function init(args)
  mine, k, step, over = {{}}, 1, 1, 0
  for i = tid + 1, #ids, {connections} do mine[#mine + 1] = ids[i] end
end
-- The next request moves on only once the last one was answered: wrk asks the first
-- thread's script for one request before it starts, and never sends it.
function request()
  if k > #mine then over = over + 1 end
  local id, s = mine[math.min(k, #mine)], steps[step]
  last = s[1] .. " " .. string.format(s[2], id)
  return wrk.format(s[1], string.format(s[2], id), s[4], s[3] and string.format(s[3], id))
end
function response(status, headers, body)
  if status >= 300 and not told then
    told = true
    print("failed: " .. last .. ": " .. status .. " " .. string.sub(body, 1, 300))
  end
  if step == 1 then step = 2 else step, k = 1, k + 1 end
end
function done()
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("over") end
  print("ids short by: " .. total)
end
""",
        encoding="utf-8",
    )
    out = _wrk(port, script, seconds, connections, "/", threads=connections)
    short = int(re.search(r"ids short by: (\d+)", out).group(1))  # type: ignore[union-attr]
    assert short == 0, f"{steps[0].path}: the {len(ids)} ids ran out ({short} requests short); lower --seconds"
    figures = _wrk_figures(out)
    assert not figures["failed"], "\n".join(line for line in out.splitlines() if line.startswith("failed: "))
    return {**figures, "rate": figures["rate"] / 2}


def load_pairs_with_python(
    port: int, steps: tuple[Each, Each], ids: list[int], seconds: float, connections: int
) -> dict[str, float]:
    """The same without wrk: a thread per connection making both requests for each of its
    ids in turn, until they or the seconds run out."""
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(mine: list[int]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for item in mine:
            if time.perf_counter() >= deadline:
                break
            t = time.perf_counter()
            for step in steps:
                path, body = step.fill(item)
                conn.request(
                    step.method, path, body and body.encode(), {**step.headers, "Content-Type": "application/json"}
                )
                resp = conn.getresponse()
                resp.read()
                with lock:
                    failed[0] += resp.status >= 300
            with lock:
                latencies.append(time.perf_counter() - t)
        conn.close()

    return _run_clients(client, [ids[i::connections] for i in range(connections)], latencies, failed)


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_with_python(port: int, path: str, headers: dict[str, str], seconds: float, connections: int,
                     limit: int | None = None, payload: dict = BODY) -> dict[str, float]:  # fmt: skip
    """Keep-alive connections, one thread each, for `seconds` (or `limit` requests)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    per_thread = None if limit is None else max(1, limit // connections)

    def client(_: object) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        sent = 0
        while time.perf_counter() < deadline and (per_thread is None or sent < per_thread):
            t = time.perf_counter()
            conn.request("POST", path, body, {**headers, "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            with lock:
                latencies.append(time.perf_counter() - t)
                failed[0] += resp.status != 201
            sent += 1
        conn.close()

    return _run_clients(client, [None] * connections, latencies, failed)


def _run_clients(client: Any, shares: list[Any], latencies: list[float], failed: list[int]) -> dict[str, float]:
    """Run `client(share)` in a thread per share; the rate, p99 and failures they recorded."""
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0
    return {"rate": len(latencies) / elapsed, "p99": p99, "failed": float(failed[0])}


def load(port: int, path: str, headers: dict[str, str], args: Any, use_wrk: bool, connections: int,
         payload: dict = BODY) -> dict[str, float]:  # fmt: skip
    """Warm every worker up (its caches, its database connections), then measure."""
    if use_wrk:
        load_with_wrk(port, path, headers, 2, connections, payload)
        return load_with_wrk(port, path, headers, args.seconds, connections, payload)
    return load_with_python(port, path, headers, args.seconds, 4, limit=40 if args.smoke else None, payload=payload)


class Pair(NamedTuple):
    """An action pair of one served app: its two requests, the SQL listing the ids they
    can be made for (in order) in its database, and its intake (what makes more of them)."""

    port: int
    database: str
    steps: tuple[Each, Each]
    ready: str
    intake: tuple[str, dict[str, str], dict]  # path, headers, body


# The floor's action pair: the state of one of its rows set twice.
FLOOR_STEPS = (
    Each("POST", "/floor/appeals/{id}/state", {}, {"state": "dispatched"}),
    Each("POST", "/floor/appeals/{id}/state", {}, {"state": "handling"}),
)
FLOOR_READY = "SELECT id FROM floor_appeals WHERE state IS NULL ORDER BY id"
# Ours: dispatch to a street, which signs; the peer: assign, then a follow-up (签收).
OURS_READY = "SELECT id FROM appeals WHERE state = 'accepted' ORDER BY id"
PEER_READY = "SELECT id FROM helpdesk_ticket WHERE assigned_to_id IS NULL ORDER BY id"


def pair_rate(pair: Pair, intake_rate: float, args: Any, use_wrk: bool, connections: int) -> dict[str, float]:
    """Pairs/s over ids the intake measured before made (the workers are warm), topped up
    by more of the same intake (not measured) when the run could outlast them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(pair.database)

    def ready() -> list[int]:
        with engine.connect() as conn:
            return list(conn.execute(text(pair.ready)).scalars())

    try:
        if not use_wrk:
            return load_pairs_with_python(pair.port, pair.steps, ready()[:20], args.seconds, 4)
        wanted = int(intake_rate * args.seconds * 1.5)  # a pair is two requests: fewer pairs/s than intakes
        if (have := len(ready())) < wanted:
            path, headers, body = pair.intake
            load_with_wrk(pair.port, path, headers, int((wanted - have) / intake_rate) + 2, connections, body)
        return load_pairs_with_wrk(pair.port, pair.steps, ready(), args.seconds, connections)
    finally:
        engine.dispose()


class Cost(NamedTuple):
    statements: int
    transactions: int
    after_commit: int  # statements after the last commit (what an answer read back)


def statements_per_call(app: Any, call: Any) -> Cost:
    """The SQL one call costs, counted on the engine (in the caller's app context)."""
    from sqlalchemy import event

    from hotline.core.extensions import db

    counts = {"statements": 0, "transactions": 0, "after_commit": 0}

    def on_execute(*_args: Any) -> None:
        counts["statements"] += 1
        counts["after_commit"] += 1

    def on_begin(*_args: Any) -> None:
        counts["transactions"] += 1

    def on_commit(*_args: Any) -> None:
        counts["after_commit"] = 0

    engine = db.engine
    listeners = (("before_cursor_execute", on_execute), ("begin", on_begin), ("commit", on_commit))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        call()
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    return Cost(**counts)


def sql_costs(app: Any, tokens: dict[str, str], street: int) -> list[Row]:
    """Statements and transactions of one intake, dispatch and sign: the operations in
    process, the accounts already loaded; then each whole request as a client sends it,
    the sign-in by token first (it also brings the revision tokens the caches ask for)."""
    from sqlalchemy import select

    from hotline.appeals.engine import perform
    from hotline.appeals.intake import create_appeal
    from hotline.auth.models import User
    from hotline.core.extensions import db

    made: dict[str, Any] = {}
    client = app.test_client()
    as_user = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}

    def calls() -> list[tuple[str, Any, str]]:
        return [
            ("intake", lambda: made.update(id=create_appeal(BODY, made["operator"]).id),
             "1 write transaction (+ the number's own statement)"),
            ("dispatch", lambda: perform(made["id"], "dispatch", {"unit_id": street}, made["dispatcher"]), ""),
            ("sign", lambda: perform(made["id"], "sign", {}, made["u210102001"]), ""),
        ]  # fmt: skip

    def requests() -> list[tuple[str, Any, str]]:
        def post(path: str, body: dict, user: str) -> Any:
            return client.post(f"/api/v1/appeals{path}", json=body, headers=as_user[user])

        return [
            ("intake", lambda: made.update(id=post("", BODY, "operator").json["id"]),
             "sign-in, number, one INSERT of every row"),
            ("dispatch", lambda: post(f"/{made['id']}/actions/dispatch", {"unit_id": street}, "dispatcher"),
             "nothing read after the commit"),
            ("sign", lambda: post(f"/{made['id']}/actions/sign", {}, "u210102001"), "nothing read after the commit"),
        ]  # fmt: skip

    rows = []
    with app.app_context():
        made.update({u.username: u for u in db.session.scalars(select(User))})
        for call in calls():  # warm the caches (policies, calendar, grid index)
            call[1]()
        for label, call, target in calls():
            cost = statements_per_call(app, call)
            rows.append(Row(f"SQL per {label} (in process, warm)",
                            f"{cost.statements} statements, {cost.transactions} transactions", target,
                            cost.transactions <= 2))  # fmt: skip
        db.session.remove()
    for _, request, _ in requests():
        request()
    with app.app_context():
        for label, request, target in requests():
            cost = statements_per_call(app, request)
            ok = cost.statements <= 3 if label == "intake" else cost.after_commit == 0
            rows.append(Row(f"SQL per {label} request (token sign-in included)",
                            f"{cost.statements} statements, {cost.after_commit} after the commit", target,
                            ok))  # fmt: skip
    return rows


def main() -> None:
    args = arguments(__doc__, seconds=10, connections=0, rounds=3, peer=0 if "--smoke" in sys.argv else 1)
    # connections 0: twice the workers, what saturates sync workers; --peer 0 skips django-helpdesk
    use_wrk = shutil.which("wrk") is not None and not args.smoke
    rounds = 1 if args.smoke else max(1, args.rounds)
    rows: list[Row] = []
    with postgres_database() as url:
        app = migrated_app(url, HOTLINE_REDIS_URL=REDIS_URL)  # side effects go to RQ, as in production
        tokens, street = _accounts(app)
        from hotline.outbox.operations import _keys as outbox_keys

        with app.app_context():
            drain_list = outbox_keys()[0]  # named after the queue, as the servers name it
        rows += sql_costs(app, tokens, street)
        as_user = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
        our_steps = (
            Each("POST", "/api/v1/appeals/{id}/actions/dispatch", as_user["dispatcher"], {"unit_id": street}),
            Each("POST", "/api/v1/appeals/{id}/actions/sign", as_user["u210102001"], {}),
        )
        headers = as_user["operator"]

        counts = (2,) if args.smoke else (2, 4)
        # runs[workers][server]: each round's figures. Every server of every number of
        # workers is up at once and each round measures them all in turn (the floor, ours,
        # the peer; 2 workers, then 4), so a drift of the machine's speed during the run
        # falls on all of them, and 4 workers are compared with 2 round by round.
        runs: dict[int, dict[str, list[dict[str, float]]]] = {workers: {} for workers in counts}
        with ExitStack() as servers:
            pairs: dict[int, dict[str, Pair]] = {}
            for workers in counts:
                floor_port = servers.enter_context(
                    gunicorn("floor_app:app", url, workers, HOTLINE_REDIS_URL=REDIS_URL)
                ).port
                our_port = servers.enter_context(gunicorn("wsgi:app", url, workers, HOTLINE_REDIS_URL=REDIS_URL)).port
                pairs[workers] = {
                    "floor": Pair(floor_port, url, FLOOR_STEPS, FLOOR_READY, ("/floor/appeals", {}, BODY)),
                    "ours": Pair(our_port, url, our_steps, OURS_READY, ("/api/v1/appeals", headers, BODY)),
                }
                if args.peer:
                    pairs[workers]["peer"] = _peer_pair(servers.enter_context(peer.helpdesk(url, workers)))
            for _ in range(rounds):
                for workers in counts:
                    connections = args.connections or 2 * workers  # twice the workers saturates sync workers
                    measure = functools.partial(_kept, runs[workers])
                    for name, served in pairs[workers].items():
                        path, their_headers, body = served.intake
                        handed = _handed_over(drain_list)
                        figures = load(served.port, path, their_headers, args, use_wrk, connections, body)
                        if name == "ours":
                            figures |= _pushes_since(drain_list, handed)
                        rate = measure(name, figures)
                        measure(f"{name} pair", pair_rate(served, rate, args, use_wrk, connections))
        for workers in counts:
            rows += _rows(workers, runs[workers])
        if 4 in runs:
            for kind, label in (("", ""), (" pair", " (dispatch + sign)")):
                ours, floor = (_ratios(runs[4][name + kind], runs[2][name + kind]) for name in ("ours", "floor"))
                rows.append(Row(
                    f"4 workers vs 2{label}, round by round",
                    _spread(ours, "×"), f"≥ 1.0×; the floor {_spread(floor, '×')} in the same rounds",
                    statistics.median(ours) >= 1.0,
                ))  # fmt: skip
        rows.append(Row("load generator", "wrk" if use_wrk else "Python client (install wrk for the real figures)"))
        rows.append(Row("rounds", f"{rounds}, each measuring every server at every number of workers in turn: "
                                  "medians, the rounds' range beside"))  # fmt: skip
    _flush_queue()
    report("Intake on PostgreSQL, gunicorn sync workers", rows, smoke=args.smoke)


def _rows(workers: int, runs: dict[str, list[dict[str, float]]]) -> list[Row]:
    """The table's rows for one number of workers: ours against the floor, and the peer."""
    m = {name: _median(figures) for name, figures in runs.items()}
    target = min(1000.0, m["floor"]["rate"] / 1.5)
    pair_target = min(1000.0, m["floor pair"]["rate"] / 1.5)
    rows = [
        Row(
            f"POST /api/v1/appeals, {workers} workers",
            f"{_rate(runs['ours'], '/s')}, p99 {m['ours']['p99']:.0f} ms",
            f"floor {_rate(runs['floor'], '/s')}, p99 {m['floor']['p99']:.0f} ms; "
            f"target ≥ {target:,.0f}/s, p99 ≤ 50 ms",
            m["ours"]["rate"] >= target and m["ours"]["p99"] <= 50,
        ),
        Row(
            f"dispatch + sign (…/actions/dispatch, …/sign), {workers} workers",
            f"{_rate(runs['ours pair'], ' pairs/s')}, p99 {m['ours pair']['p99']:.0f} ms",
            f"floor {_rate(runs['floor pair'], ' pairs/s')}, two UPDATEs, p99 {m['floor pair']['p99']:.0f} ms; "
            f"target ≥ {pair_target:,.0f}/s, p99 ≤ 50 ms",
            m["ours pair"]["rate"] >= pair_target and m["ours pair"]["p99"] <= 50,
        ),
    ]
    pushes = [r["pushes"] / r["handed"] for r in runs["ours"] if r["handed"]]
    if pushes:
        rows.append(Row(
            f"Redis round trips per intake under load (the outbox hand-over), {workers} workers",
            _spread(pushes, ""), "< 1: a process's requests share a push per hand-over window (0.1 s)",
            statistics.median(pushes) < 0.5,
        ))  # fmt: skip
    if "peer" in m:
        rows += [
            Row(
                f"django-helpdesk POST /api/tickets/, {workers} workers",
                f"{_rate(runs['peer'], '/s')}, p99 {m['peer']['p99']:.0f} ms",
                f"hotline {m['ours']['rate'] / m['peer']['rate']:.1f}× it; target ≥ 5×",
                m["ours"]["rate"] >= 5 * m["peer"]["rate"],
            ),
            Row(
                f"django-helpdesk assign + follow-up, {workers} workers",
                f"{_rate(runs['peer pair'], ' pairs/s')}, p99 {m['peer pair']['p99']:.0f} ms",
                f"hotline {m['ours pair']['rate'] / m['peer pair']['rate']:.1f}× it; target ≥ 5×",
                m["ours pair"]["rate"] >= 5 * m["peer pair"]["rate"],
            ),
        ]
    return rows


def _ratios(more: list[dict[str, float]], fewer: list[dict[str, float]]) -> list[float]:
    """Each round's rate with more workers over the same round's with fewer."""
    return [a["rate"] / b["rate"] for a, b in zip(more, fewer, strict=True)]


def _spread(values: list[float], unit: str, digits: str = ".2f") -> str:
    """The median, and the range when there are several (the rounds')."""
    values = sorted(values)
    median = f"{statistics.median(values):{digits}}{unit}"
    return median if len(values) == 1 else f"{median} ({values[0]:{digits}}–{values[-1]:{digits}})"


def _kept(runs: dict[str, list[dict[str, float]]], name: str, figures: dict[str, float]) -> float:
    """Keep one round's figures of `name` (none of its requests may have failed); its rate."""
    assert figures["failed"] == 0, f"{name}: {figures['failed']:.0f} requests failed"
    runs.setdefault(name, []).append(figures)
    return figures["rate"]


def _peer_pair(helpdesk: Any) -> Pair:
    """django-helpdesk's pair: assigning a ticket, then a follow-up saying it was taken on."""
    steps = (
        Each("PATCH", "/api/tickets/{id}/", helpdesk.headers, {"assigned_to": helpdesk.user_id}),
        Each("POST", "/api/followups/", helpdesk.headers,
             {"ticket": "{id}", "user": helpdesk.user_id, "title": "签收", "comment": "已签收"}),
    )  # fmt: skip
    return Pair(helpdesk.served.port, helpdesk.database, steps, PEER_READY,
                ("/api/tickets/", helpdesk.headers, helpdesk.body))  # fmt: skip


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in ("rate", "p99")}


def _rate(runs: list[dict[str, float]], unit: str) -> str:
    """The median rate, and the rounds' range when there were several."""
    return _spread([r["rate"] for r in runs], unit, ",.0f")


def _accounts(app: Any) -> tuple[dict[str, str], int]:
    """API tokens of the operator, the dispatcher and the street's handler; the street's id."""
    from sqlalchemy import select

    from hotline.auth.models import User
    from hotline.auth.operations import issue_token
    from hotline.core.extensions import db
    from hotline.grid.models import Unit

    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        tokens = {name: issue_token(users[name])[0] for name in ("operator", "dispatcher", "u210102001")}
        street = db.session.scalars(select(Unit.id).where(Unit.code == "210102001")).one()
        db.session.remove()
        db.engine.dispose()
    return tokens, street


def _handed_over(drain_list: str) -> tuple[int, int]:
    """The pushes Redis has taken (every database's) and the ids on ours's drain list."""
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    return redis.info("commandstats").get("cmdstat_rpush", {}).get("calls", 0), redis.llen(drain_list)


def _pushes_since(drain_list: str, before: tuple[int, int]) -> dict[str, float]:
    """The pushes and the rows handed over since `before` (no RQ worker drains the list)."""
    after = _handed_over(drain_list)
    return {"pushes": float(after[0] - before[0]), "handed": float(after[1] - before[1])}


def _flush_queue() -> None:
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
