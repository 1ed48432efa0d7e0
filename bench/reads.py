"""Reads at a province's size on PostgreSQL, as the centre and as a district, a street and a
grid: the appeal list (first page with its count, a deep page, filtered by state, overdue),
the supervisor dashboard and one month's assessment. Each query's p95 over repeated runs,
against the target of issue 11 (≤ 100 ms at 10 million appeals).

    .venv/bin/python bench/reads.py [--appeals 10000000] [--runs 10] [--smoke]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from generate import FULL, SMOKE, generate
from harness import Row, arguments, bench_settings, postgres_database, report

TARGET_MS = 100


def p95(call: Callable[[], Any], runs: int) -> float:
    call()  # warm
    timings = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        timings.append(time.perf_counter() - t)
    timings.sort()
    return timings[max(0, int(len(timings) * 0.95) - 1)] * 1000


def main() -> None:
    args = arguments(__doc__, appeals=10_000_000, runs=10)
    if args.smoke:
        args.appeals, args.runs = 2_000, 2
    from flask_migrate import upgrade
    from sqlalchemy import select

    from hotline.app import create_app
    from hotline.appeals.queries import AppealFilter, dashboard, search_appeals
    from hotline.auth.models import User
    from hotline.core.extensions import db
    from hotline.metrics.operations import MetricsQuery, assess

    rows: list[Row] = []
    with postgres_database() as url:
        app = create_app(bench_settings(url))
        with app.app_context():
            upgrade()
        t = time.perf_counter()
        province = generate(app, appeals=args.appeals, scale=SMOKE if args.smoke else FULL)
        rows.append(Row(f"generate {args.appeals:,} appeals with events (COPY)", f"{time.perf_counter() - t:.0f} s",
                        f"{sum(len(v) for v in province.levels.values()):,} areas"))  # fmt: skip
        deep = 2 if args.smoke else 400
        with app.app_context():
            at = datetime.now(UTC)
            for who, username in province.accounts.items():
                user = db.session.scalars(select(User).where(User.username == username)).one()
                queries: list[tuple[str, Callable[[], Any]]] = [
                    ("list, first page", lambda u=user: search_appeals(u, AppealFilter(), at)),
                    (f"list, page {deep}", lambda u=user: search_appeals(u, AppealFilter(page=deep), at)),
                    ("list, in hand", lambda u=user: search_appeals(u, AppealFilter(state="handling"), at)),
                    ("list, overdue", lambda u=user: search_appeals(u, AppealFilter(overdue=True), at)),
                ]  # fmt: skip
                if who != "grid":
                    queries += [
                        ("dashboard", lambda u=user: dashboard(u, at)),
                        ("one month's assessment", lambda u=user: assess(u, MetricsQuery(), at)),
                    ]
                for label, call in queries:
                    ms = p95(call, args.runs)
                    rows.append(Row(f"{who}: {label}", f"{ms:,.0f} ms", f"≤ {TARGET_MS} ms", ms <= TARGET_MS))
                    db.session.rollback()
            db.session.remove()
            db.engine.dispose()
    report(f"Reads at {args.appeals:,} appeals (PostgreSQL, p95 of {args.runs})", rows, smoke=args.smoke)


if __name__ == "__main__":
    main()
