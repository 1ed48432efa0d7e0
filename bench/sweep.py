"""The escalation sweep on PostgreSQL, printed as a table: one sweep over a month's backlog
made by the generator (bench/generate.py, BACKLOG: 1,200,000 appeals of the province's
distributions, about 1,000,000 still open and 100,000 of their clocks run out; target
≤ 2 s), then the same sweep again with nothing to do (target ≤ 0.2 s).

    .venv/bin/python bench/sweep.py [--appeals 1200000] [--smoke]
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from generate import BACKLOG, FULL, SMOKE, generate
from harness import Row, arguments, bench_settings, postgres_database, report


def main() -> None:
    args = arguments(__doc__, appeals=1_200_000)
    if args.smoke:
        args.appeals = 3_000

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from hotline.app import create_app
    from hotline.appeals.escalation import sweep
    from hotline.appeals.models import Appeal
    from hotline.appeals.states import OPEN_STATES
    from hotline.core.extensions import db

    rows: list[Row] = []
    with postgres_database() as url:
        app = create_app(bench_settings(url))
        with app.app_context():
            upgrade()
        t = time.perf_counter()
        generate(app, appeals=args.appeals, scale=SMOKE if args.smoke else FULL, ages=BACKLOG)
        with app.app_context():
            now = datetime.now(UTC)
            open_count = db.session.scalar(select(func.count()).where(Appeal.state.in_(OPEN_STATES))) or 0
            overdue = (
                db.session.scalar(
                    select(func.count()).where(Appeal.state.in_(("dispatched", "handling")), Appeal.sla_due_at < now)
                )
                or 0
            )
            rows.append(Row(f"generate a month's backlog of {args.appeals:,} appeals (COPY)",
                            f"{time.perf_counter() - t:.0f} s",
                            f"{open_count:,} open, {overdue:,} of them overdue"))  # fmt: skip
            # The load and its VACUUM leave gigabytes for the checkpointer to write: the sweep
            # starts after them, as a live centre's sweep does. Every page it changes is still
            # written whole to the WAL once, as after any checkpoint.
            db.session.execute(text("CHECKPOINT"))
            db.session.commit()
            t = time.perf_counter()
            first = sweep(now)
            elapsed = time.perf_counter() - t
            rows.append(
                Row(
                    f"sweep: {overdue:,} overdue → yellow cards",
                    f"{elapsed:.2f} s ({first.yellow:,} cards, {first.warned:,} warnings, {first.red:,} red)",
                    "≤ 2 s",
                    elapsed <= 2 and first.yellow == overdue,
                )
            )
            assert first.yellow == overdue, "every overdue appeal gets its card"
            # The second sweep's scan is the first to meet the index entries of the rows the
            # first one changed, and prunes them; from then on an idle sweep is the third.
            for label in ("the same sweep again (nothing to do)", "and the sweep after that (steady state)"):
                t = time.perf_counter()
                idle = sweep(now)
                elapsed = time.perf_counter() - t
                rows.append(Row(label, f"{elapsed * 1000:.0f} ms ({idle.changed} changes)", "≤ 0.2 s",
                                elapsed <= 0.2 and idle.changed == 0))  # fmt: skip
                assert idle.changed == 0, "a sweep at the same moment again changes nothing"
            db.session.remove()
            db.engine.dispose()
    report("Escalation sweep (PostgreSQL)", rows, smoke=args.smoke)


if __name__ == "__main__":
    main()
