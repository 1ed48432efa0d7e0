"""The escalation sweep on PostgreSQL, printed as a table: one sweep over 1,000,000 open
appeals of which 100,000 are overdue (target ≤ 2 s), then the same sweep again with
nothing to do (target ≤ 0.2 s).

    .venv/bin/python bench/sweep.py [--open 1000000] [--overdue 100000] [--smoke]
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
from harness import Row, arguments, migrated_app, postgres_database, report

COLUMNS = (
    "number",
    "query_code",
    "channel",
    "type",
    "category_id",
    "urgency",
    "title",
    "content",
    "state",
    "current_unit_id",
    "main_unit_id",
    "escalated_to_unit_id",
    "grid_id",
    "place_unit_id",
    "received_at",
    "created_at",
    "updated_at",
    "dispatched_at",
    "signed_at",
    "sla_due_at",
    "sla_warn_at",
    "warning_pending_at",
    "is_confidential",
    "is_anonymous",
    "is_enterprise",
    "designated",
    "dispatch_count",
    "return_count",
    "reopen_count",
    "extension_count",
    "satisfaction",
    "version",
)


def load(
    conn, parents: dict[int, int], grids: list[int], category: int, open_count: int, overdue: int, now: datetime
) -> None:
    units = list(parents)
    rng = np.random.default_rng(4)
    started = now - timedelta(days=3)
    with conn.cursor() as cur, cur.copy(f"COPY appeals ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for n in range(open_count):
            unit, grid = units[n % len(units)], grids[n % len(grids)]
            if n < overdue:  # overdue, already warned
                due = now - timedelta(hours=float(rng.uniform(1, 100)))
                pending = None
            else:  # on time, the warning still ahead
                due = now + timedelta(hours=float(rng.uniform(30, 300)))
                pending = now + (due - now) / 3
            warn = pending or due - timedelta(hours=8)
            copy.write_row(
                (
                    f"20261124{n:08d}",
                    f"{n % 1_000_000:06d}",
                    "电话",
                    "投诉",
                    category,
                    "一般",
                    "消防通道被占",
                    "消防通道被占",
                    "handling",
                    unit,
                    unit,
                    parents[unit],
                    grid,
                    grid,
                    started,
                    started,
                    started,
                    started,
                    started,
                    due,
                    warn,
                    pending,
                    False,
                    False,
                    False,
                    False,
                    1,
                    0,
                    0,
                    0,
                    "未评价",
                    1,
                )
            )
    conn.commit()


def main() -> None:
    args = arguments(__doc__, open=1_000_000, overdue=100_000)
    if args.smoke:
        args.open, args.overdue = 2_000, 200

    from sqlalchemy import select

    from hotline.appeals.escalation import sweep
    from hotline.categories.models import Category
    from hotline.core.extensions import db
    from hotline.grid.models import Unit

    rows: list[Row] = []
    with postgres_database() as url:
        app = migrated_app(url)
        with app.app_context():
            parents = dict(
                db.session.execute(
                    select(Unit.id, Unit.parent_id).where(Unit.kind != "centre", Unit.level != "province")
                )
                .tuples()
                .all()
            )
            grids = list(db.session.scalars(select(Unit.id).where(Unit.level == "grid")))
            category = db.session.scalars(select(Category.id).where(Category.code == "040201")).one()
            now = datetime.now(UTC)
            t = time.perf_counter()
            raw = db.engine.raw_connection()
            load(raw.driver_connection, parents, grids, category, args.open, args.overdue, now)
            raw.driver_connection.autocommit = True
            raw.driver_connection.execute("VACUUM ANALYZE appeals")  # as autovacuum would have
            raw.close()
            rows.append(Row(f"load {args.open:,} open appeals (COPY)", f"{time.perf_counter() - t:.1f} s"))

            t = time.perf_counter()
            first = sweep(now)
            elapsed = time.perf_counter() - t
            rows.append(
                Row(
                    f"sweep: {args.overdue:,} overdue → yellow cards",
                    f"{elapsed:.2f} s ({first.yellow:,} cards, {first.warned:,} warnings)",
                    "≤ 2 s",
                    elapsed <= 2 and first.yellow == args.overdue,
                )
            )
            assert first.yellow == args.overdue, "every overdue appeal gets its card"
            t = time.perf_counter()
            second = sweep(now)
            elapsed = time.perf_counter() - t
            rows.append(
                Row(
                    "the same sweep again (nothing to do)",
                    f"{elapsed * 1000:.0f} ms ({second.changed} changes)",
                    "≤ 0.2 s",
                    elapsed <= 0.2 and second.changed == 0,
                )
            )
            assert second.changed == 0, "a second sweep at the same moment changes nothing"
            db.session.remove()
            db.engine.dispose()
    report("Escalation sweep (PostgreSQL)", rows, smoke=args.smoke)


if __name__ == "__main__":
    main()
