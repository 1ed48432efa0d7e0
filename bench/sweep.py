"""Benchmark of issue #4 on PostgreSQL, printed as a table: the escalation sweep over
1,000,000 open appeals of which 100,000 are overdue (target ≤ 2 s), then the same sweep
again with nothing to do (target ≤ 0.2 s).

    .venv/bin/python bench/sweep.py [--open 1000000] [--overdue 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADMIN_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
COLUMNS = (
    "number",
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--overdue", type=int, default=100_000)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, select, text

    from hotline.app import create_app
    from hotline.appeals.escalation import sweep
    from hotline.categories.models import Category
    from hotline.core.extensions import db
    from hotline.demo import load_reference
    from hotline.grid.models import Unit

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        admin_conn = admin.connect()
    except Exception as exc:
        sys.exit(f"PostgreSQL not reachable at {ADMIN_URL}: {exc}")
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin_conn.execute(text(f'CREATE DATABASE "{name}"'))
    rows = []
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": tempfile.mkdtemp(),
                "SECRET_KEY": "bench",
                "HOTLINE_PASSWORD_METHOD": "pbkdf2:sha256:1000",
            }
        )
        with app.app_context():
            upgrade()
            load_reference("bench")
            parents = dict(
                db.session.execute(
                    select(Unit.id, Unit.parent_id).where(Unit.kind != "centre", Unit.level != "province")
                ).all()
            )
            grids = list(db.session.scalars(select(Unit.id).where(Unit.level == "grid")))
            category = db.session.scalar(select(Category.id).where(Category.code == "040201"))
            now = datetime.now(UTC)
            t = time.perf_counter()
            raw = db.engine.raw_connection()
            load(raw.driver_connection, parents, grids, category, args.open, args.overdue, now)
            raw.driver_connection.autocommit = True
            raw.driver_connection.execute("VACUUM ANALYZE appeals")  # as autovacuum would have
            raw.close()
            rows.append((f"load {args.open:,} open appeals", f"{time.perf_counter() - t:.1f} s", "", True))

            t = time.perf_counter()
            first = sweep(now)
            elapsed = time.perf_counter() - t
            rows.append(
                (
                    f"sweep: {args.overdue:,} overdue → yellow cards",
                    f"{elapsed:.2f} s ({first.yellow:,} cards, {first.warned:,} warnings)",
                    "≤ 2 s",
                    elapsed <= 2 and first.yellow == args.overdue,
                )
            )
            t = time.perf_counter()
            second = sweep(now)
            elapsed = time.perf_counter() - t
            rows.append(
                (
                    "the same sweep again (nothing to do)",
                    f"{elapsed * 1000:.0f} ms ({second.changed} changes)",
                    "≤ 0.2 s",
                    elapsed <= 0.2 and second.changed == 0,
                )
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        admin_conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_conn.close()

    widths = [max(len(str(r[i])) for r in rows) for i in range(3)]
    print(f"{'measure':<{widths[0]}}  {'result':<{widths[1]}}  {'target':<{widths[2]}}  ok")
    for measure, result, target, ok in rows:
        print(f"{measure:<{widths[0]}}  {result:<{widths[1]}}  {target:<{widths[2]}}  {'✓' if ok else '✗'}")
    sys.exit(0 if all(r[3] for r in rows) else 1)


if __name__ == "__main__":
    main()
