"""Intake throughput: `POST /api/v1/appeals` served by gunicorn (sync workers) on
PostgreSQL, against the bare-insert floor (bench/floor_app.py) measured in the same run on
the same database, at 2 and 4 workers; and the SQL each intake and each action costs.

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

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

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
    body = json.dumps(json.dumps(payload, ensure_ascii=False), ensure_ascii=False)  # a Lua string literal
    lines = ['wrk.method = "POST"', f"wrk.body = {body}"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in {**headers, "Content-Type": "application/json"}.items()]
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
            "failed": float(failed.group(1)) if failed else 0.0}  # fmt: skip


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

    def client() -> None:
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

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
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


def statements_per_call(app: Any, call: Any) -> tuple[int, int]:
    """(SQL statements, transactions) one call costs, counted on the engine (in the
    caller's app context)."""
    from sqlalchemy import event

    from hotline.core.extensions import db

    counts = {"statements": 0, "transactions": 0}

    def on_execute(*_args: Any) -> None:
        counts["statements"] += 1

    def on_begin(*_args: Any) -> None:
        counts["transactions"] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "begin", on_begin)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "begin", on_begin)
    return counts["statements"], counts["transactions"]


def sql_costs(app: Any) -> list[Row]:
    """Statements and transactions of one intake, dispatch and sign, the accounts already
    loaded (as a request's sign-in has them)."""
    from sqlalchemy import select

    from hotline.appeals.engine import perform
    from hotline.appeals.intake import create_appeal
    from hotline.auth.models import User
    from hotline.core.extensions import db
    from hotline.grid.models import Unit

    made: dict[str, Any] = {}

    def users() -> None:
        made.update({u.username: u for u in db.session.scalars(select(User))})
        made["street"] = db.session.scalars(select(Unit.id).where(Unit.code == "210102001")).one()

    def calls() -> list[tuple[str, Any, str]]:
        return [
            ("intake", lambda: made.update(id=create_appeal(BODY, made["operator"]).id),
             "1 write transaction (+ the number's own statement)"),
            ("dispatch", lambda: perform(made["id"], "dispatch", {"unit_id": made["street"]}, made["dispatcher"]), ""),
            ("sign", lambda: perform(made["id"], "sign", {}, made["u210102001"]), ""),
        ]  # fmt: skip

    rows = []
    with app.app_context():
        users()
        for call in calls():  # warm the caches (policies, calendar, grid index)
            call[1]()
        for label, call, target in calls():
            statements, transactions = statements_per_call(app, call)
            cost = f"{statements} statements, {transactions} transactions"
            rows.append(Row(f"SQL per {label} (in process, warm)", cost, target, transactions <= 2))
        db.session.remove()
        # The whole request as a client sends it: the sign-in by token comes first (it also
        # brings the revision tokens the caches ask for).
        from hotline.auth.operations import issue_token

        token, _ = issue_token(made["operator"])
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/api/v1/appeals", json=BODY, headers=headers)
    with app.app_context():
        statements, transactions = statements_per_call(
            app, lambda: client.post("/api/v1/appeals", json=BODY, headers=headers)
        )
    rows.append(Row("SQL per intake request (token sign-in included)", f"{statements} statements",
                    "sign-in, number, one INSERT of every row", statements <= 3))  # fmt: skip
    return rows


def main() -> None:
    args = arguments(__doc__, seconds=10, connections=0, peer=0 if "--smoke" in sys.argv else 1)
    # connections 0: twice the workers, what saturates sync workers; --peer 0 skips django-helpdesk
    use_wrk = shutil.which("wrk") is not None and not args.smoke
    rows: list[Row] = []
    with postgres_database() as url:
        app = migrated_app(url, HOTLINE_REDIS_URL=REDIS_URL)  # side effects go to RQ, as in production
        rows += sql_costs(app)
        with app.app_context():
            from sqlalchemy import select

            from hotline.auth.models import User
            from hotline.auth.operations import issue_token
            from hotline.core.extensions import db

            operator = db.session.scalars(select(User).where(User.username == "operator")).one()
            token, _ = issue_token(operator)
            db.session.remove()
            db.engine.dispose()
        headers = {"Authorization": f"Bearer {token}"}

        rates: dict[int, float] = {}
        for workers in (2,) if args.smoke else (2, 4):
            connections = args.connections or 2 * workers
            with gunicorn("floor_app:app", url, workers, HOTLINE_REDIS_URL=REDIS_URL) as served:
                floor = load(served.port, "/floor/appeals", {}, args, use_wrk, connections)
            with gunicorn("wsgi:app", url, workers, HOTLINE_REDIS_URL=REDIS_URL) as served:
                ours = load(served.port, "/api/v1/appeals", headers, args, use_wrk, connections)
            assert ours["failed"] == 0 and floor["failed"] == 0, f"failed: {ours['failed']}, floor {floor['failed']}"
            rates[workers] = ours["rate"]
            target = min(1000.0, floor["rate"] / 1.5)
            rows.append(Row(
                f"POST /api/v1/appeals, {workers} workers",
                f"{ours['rate']:,.0f}/s, p99 {ours['p99']:.0f} ms",
                f"floor {floor['rate']:,.0f}/s, p99 {floor['p99']:.0f} ms; target ≥ {target:,.0f}/s, p99 ≤ 50 ms",
                ours["rate"] >= target and ours["p99"] <= 50,
            ))  # fmt: skip
            if args.peer:
                with peer.helpdesk(url, workers) as helpdesk:
                    theirs = load(helpdesk.served.port, "/api/tickets/", helpdesk.headers, args, use_wrk, connections,
                                  helpdesk.body)  # fmt: skip
                assert theirs["failed"] == 0, f"peer failed: {theirs['failed']}"
                rows.append(Row(
                    f"django-helpdesk POST /api/tickets/, {workers} workers",
                    f"{theirs['rate']:,.0f}/s, p99 {theirs['p99']:.0f} ms",
                    f"hotline {ours['rate'] / theirs['rate']:.1f}× it; target ≥ 5×",
                    ours["rate"] >= 5 * theirs["rate"],
                ))  # fmt: skip
        if 4 in rates:
            rows.append(Row("4 workers vs 2", f"{rates[4] / rates[2]:.2f}×", "≥ 1.0×", rates[4] >= rates[2]))
        rows.append(Row("load generator", "wrk" if use_wrk else "Python client (install wrk for the real figures)"))
    _flush_queue()
    report("Intake on PostgreSQL, gunicorn sync workers", rows, smoke=args.smoke)


def _flush_queue() -> None:
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
