"""Routing and the area count, printed as a table.

* point routing: N random points against G grid polygons with the app's GridIndex
  (target ≥ 500,000 points/s), and the p99 of routing one point at a time;
* the subtree overdue count (hotline.appeals.queries.overdue_count) for a district
  holding A appeals (target ≤ 50 ms), on SQLite and, when reachable, PostgreSQL.

  .venv/bin/python bench/grid_routing.py [--points 1000000] [--grids 20000] [--appeals 100000] [--smoke]
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import shapely
from harness import Row, arguments, migrated_app, postgres_database, postgres_reachable, report, sqlite_database

from hotline.grid.geo import NOWHERE, GridIndex, Shape

BOX = (123.30, 41.70, 123.50, 41.90)  # 沈阳, as the demo


def voronoi_grids(count: int, rng) -> list[Shape]:
    seeds = shapely.multipoints(
        np.column_stack([rng.uniform(BOX[0], BOX[2], count), rng.uniform(BOX[1], BOX[3], count)])
    )
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=shapely.box(*BOX))), shapely.box(*BOX)
    )
    return [Shape(i, f"G{i:07d}", f"网格{i}", "grid", cell) for i, cell in enumerate(cells)]


def bench_routing(points: int, grids: int) -> list[Row]:
    rng = np.random.default_rng(12345)
    shapes = voronoi_grids(grids, rng)
    started = time.perf_counter()
    index = GridIndex(shapes)
    build = time.perf_counter() - started

    xs, ys = rng.uniform(BOX[0], BOX[2], points), rng.uniform(BOX[1], BOX[3], points)
    started = time.perf_counter()
    found = np.concatenate(
        [index.locate_many(xs[i : i + 100_000], ys[i : i + 100_000]) for i in range(0, points, 100_000)]
    )
    elapsed = time.perf_counter() - started
    misses = int((found == NOWHERE).sum())

    sample = 20_000
    latencies = []
    for x, y in zip(xs[:sample], ys[:sample], strict=True):
        t = time.perf_counter()
        index.locate(float(x), float(y))
        latencies.append(time.perf_counter() - t)
    p99 = float(np.percentile(latencies, 99)) * 1e6
    assert misses == 0, "every point of the box lies in a grid"
    return [
        Row("grid polygons", f"{len(index):,}", "≥ 20,000", len(index) >= 20_000),
        Row("index build", f"{build * 1000:.0f} ms"),
        Row(
            f"route {points:,} points (batched)",
            f"{points / elapsed:,.0f} points/s",
            "≥ 500,000 points/s",
            points / elapsed >= 500_000,
        ),
        Row("points outside every grid", f"{misses}", "0", misses == 0),
        Row(
            f"one point at a time, p99 of {sample:,}",
            f"{p99:.1f} µs",
            f"(median {statistics.median(latencies) * 1e6:.1f} µs)",
        ),
    ]


def bench_overdue_count(url: str, label: str, appeals: int) -> list[Row]:
    from sqlalchemy import insert, select

    from hotline.appeals.models import Appeal
    from hotline.appeals.queries import overdue_count
    from hotline.categories.models import Category
    from hotline.core.extensions import db
    from hotline.grid.models import Unit

    app = migrated_app(url)
    with app.app_context():
        units = db.session.scalars(select(Unit).where(Unit.kind != "centre")).all()
        district = next(u for u in units if u.code == "210102")
        inside = [u.id for u in units if district.contains(u)]
        outside = [u.id for u in units if not district.contains(u) and u.level != "province"]
        category = db.session.scalar(select(Category.id).where(Category.code == "040201"))
        now = datetime.now(UTC)
        rng = np.random.default_rng(7)
        rows, batch = [], 10_000
        total = appeals * 2  # as many again elsewhere in the city
        started = time.perf_counter()
        for n in range(total):
            unit = inside[n % len(inside)] if n < appeals else outside[n % len(outside)]
            due = now + timedelta(hours=float(rng.uniform(-240, 240)))
            rows.append(
                {
                    "number": f"20261124{n:08d}",
                    "query_code": f"{n % 1_000_000:06d}",
                    "channel": "电话",
                    "type": "投诉",
                    "category_id": category,
                    "urgency": "一般",
                    "title": "违停",
                    "content": "消防通道被占",
                    "state": "handling",
                    "current_unit_id": unit,
                    "main_unit_id": unit,
                    "received_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "sla_due_at": due,
                    "sla_warn_at": due - timedelta(hours=48),
                    "is_confidential": False,
                    "is_anonymous": False,
                    "is_enterprise": False,
                    "designated": False,
                    "dispatch_count": 1,
                    "return_count": 0,
                    "reopen_count": 0,
                    "extension_count": 0,
                    "satisfaction": "未评价",
                    "version": 1,
                }
            )
            if len(rows) == batch:
                db.session.execute(insert(Appeal), rows)
                rows = []
        if rows:
            db.session.execute(insert(Appeal), rows)
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        load = time.perf_counter() - started

        overdue_count(district, now)  # warm
        timings = []
        for _ in range(20):
            t = time.perf_counter()
            count = overdue_count(district, now)
            timings.append(time.perf_counter() - t)
        median_ms = statistics.median(timings) * 1000
        db.session.remove()
        db.engine.dispose()
    return [
        Row(f"{label}: load {total:,} appeals", f"{load:.1f} s"),
        Row(
            f"{label}: overdue in 和平区 subtree ({appeals:,} appeals there)",
            f"{median_ms:.1f} ms (median of 20; {count:,} overdue)",
            "≤ 50 ms",
            median_ms <= 50,
        ),
    ]


def main() -> None:
    args = arguments(__doc__, points=1_000_000, grids=20_000, appeals=100_000)
    if args.smoke:
        args.points, args.grids, args.appeals = 20_000, 500, 2_000
    rows = bench_routing(args.points, args.grids)
    with sqlite_database() as url:
        rows += bench_overdue_count(url, "SQLite", args.appeals)
    if postgres_reachable():
        with postgres_database() as url:
            rows += bench_overdue_count(url, "PostgreSQL", args.appeals)
    else:
        rows.append(Row("PostgreSQL", "not reachable: skipped"))
    report("Point routing and the area's overdue count", rows, smoke=args.smoke)


if __name__ == "__main__":
    main()
