"""Reads at a province's size on PostgreSQL, as the centre and as a district, a street and a
grid: the appeal list (first page with its count, a deep page, filtered by state, overdue),
the supervisor dashboard and one month's assessment. Each query's p95 over repeated runs,
against the target of issue 11 (≤ 100 ms at 10 million appeals).

    .venv/bin/python bench/reads.py [--appeals 10000000] [--runs 10] [--smoke]
    .venv/bin/python bench/reads.py --database postgresql+psycopg://postgres@127.0.0.1/province

Generating 10 million appeals takes about an hour here: with `--database` (or
HOTLINE_BENCH_DATABASE_URL) the province is generated into that database once, kept, and
reused by later runs (migrated to the current schema first), so a change can be measured
again in minutes. `--explain DIR` saves EXPLAIN ANALYZE of every measured query there.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from generate import FULL, SMOKE, generate
from harness import Row, arguments, bench_settings, postgres_database, report

TARGET_MS = 100
# Written once a province is fully generated: a kept database without it was interrupted.
GENERATED = "bench-province"
# The scheduler's minutely count of the open appeals: a small share of its minute.
REFRESH_MS = 10_000
# Monday's hot-spot detection reads nine weeks of appeals: a minute at most.
WEEKLY_MS = 60_000
# The accounts generate() makes: the centre's supervisor, and a district's, a street's and a grid's.
ACCOUNTS = {"centre": "supervisor", "district": "district", "street": "street", "grid": "grid"}
# Appeal searches: a word of many appeals' texts, one of few, and two words together.
SEARCHES = ("小区", "井盖", "影响 尽快")


def p95(call: Callable[[], Any], runs: int) -> float:
    call()  # warm
    timings = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        timings.append(time.perf_counter() - t)
    timings.sort()
    return timings[max(0, int(len(timings) * 0.95) - 1)] * 1000


@contextmanager
def kept_database(url: str) -> Iterator[str]:
    """A database that outlives the run (created when missing)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield url


def open_campaign(db: Any, at: datetime) -> int:
    """A 万件清理 campaign of every appeal open for more than a week (made once, kept)."""
    from sqlalchemy import select

    from hotline.auth.models import User
    from hotline.ledger import operations as ledger
    from hotline.ledger.models import Campaign

    existing = db.session.scalar(select(Campaign.id).where(Campaign.name == "万件清理"))
    if existing is not None:
        return int(existing)
    supervisor = db.session.scalars(select(User).where(User.username == "supervisor")).one()
    campaign = ledger.create_campaign(
        {"name": "万件清理", "batch": "第一批", "period_start": "2026-01-01", "period_end": "2026-12-31",
         "owner": "市12345中心"}, supervisor)  # fmt: skip
    ledger.enroll(campaign.id, {"rule": "open_days", "days": 7}, supervisor, at=at)
    with db.engine.connect() as conn:  # vacuumed, with fresh statistics, as autovacuum would soon have it
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE) ledger_items")
    return campaign.id


def ledger_page(campaign_id: int, user: Any) -> None:
    """What the ledger page reads: progress, by unit and level, the first overdue items
    and the first page of items."""
    from hotline.core.clock import local_today
    from hotline.core.pagination import PageQuery, paginate
    from hotline.ledger import operations as ledger
    from hotline.ledger.progress import by_level, by_unit, items_query, overdue_items, total_of
    from hotline.ledger.views import PAGE_SIZE

    day = local_today()
    campaign = ledger.get_campaign(campaign_id, user)
    units = by_unit(campaign, user, day)
    by_level(units)
    overdue_items(campaign, user, day, limit=PAGE_SIZE)
    paginate(items_query(campaign, user), PageQuery(per_page=PAGE_SIZE), total=total_of(units).total)


def save_plans(call: Callable[[], Any], path: Path) -> None:
    """EXPLAIN ANALYZE of every statement `call` runs, into `path`."""
    from sqlalchemy import event, text

    from hotline.core.extensions import db

    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    path.parent.mkdir(parents=True, exist_ok=True)
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        plans = []
        for statement, parameters in statements:
            with raw.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plans.append(statement + "\n\n" + "\n".join(r[0] for r in cur.fetchall()))
        conn.execute(text("SELECT 1"))
    path.write_text("\n\n-----\n\n".join(plans) + "\n", encoding="utf-8")


def main() -> None:
    args = arguments(__doc__, paths=("database", "explain"), appeals=10_000_000, runs=10)
    kept = args.database or os.environ.get("HOTLINE_BENCH_DATABASE_URL")
    if args.smoke:
        args.appeals, args.runs = 2_000, 2
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from hotline.app import create_app
    from hotline.appeals.activity import refresh_activity, trend
    from hotline.appeals.dashboard import by_kind, dashboard, places, refresh_open_counts
    from hotline.appeals.models import Appeal
    from hotline.appeals.queries import AppealFilter, search_appeals
    from hotline.appeals.queues import APPROVALS, VISITS, tab_counts
    from hotline.appeals.similar import similar_to_appeal
    from hotline.auth.models import User
    from hotline.core.clock import local_today
    from hotline.core.db import write_transaction
    from hotline.core.extensions import db
    from hotline.core.revisions import Revision
    from hotline.hotspots.operations import HotSpotQuery, detect, hot_spots
    from hotline.ledger.progress import refresh_unit_progress
    from hotline.metrics.contributions import roll_up
    from hotline.metrics.operations import MetricsQuery, assess
    from hotline.metrics.ranking import rank

    rows: list[Row] = []
    with kept_database(kept) if kept and not args.smoke else postgres_database() as url:
        app = create_app(bench_settings(url))
        with app.app_context():
            upgrade()
            existing = db.session.scalar(select(func.count()).select_from(Appeal)) or 0
            finished = db.session.get(Revision, GENERATED) is not None
            db.session.remove()
        if existing and not finished:
            sys.exit(f"{url} holds part of a province (an interrupted generation): drop that database and run again")
        if existing:
            args.appeals = existing
            rows.append(Row("reused the kept province", f"{existing:,} appeals"))
        else:
            t = time.perf_counter()
            province = generate(app, appeals=args.appeals, scale=SMOKE if args.smoke else FULL)
            rows.append(Row(f"generate {args.appeals:,} appeals with events (COPY)",
                            f"{time.perf_counter() - t:.0f} s",
                            f"{sum(len(v) for v in province.levels.values()):,} areas"))  # fmt: skip
            with app.app_context(), write_transaction(db.session):
                db.session.add(Revision(name=GENERATED, token=str(args.appeals)))  # the province is whole
        explain = Path(args.explain) if args.explain else None
        gc.freeze()  # as wsgi.py does once the app is made: full collections skip what the process holds
        deep = 2 if args.smoke else 400
        with app.app_context():
            at = datetime.now(UTC)

            def cursor(user: User, page: int) -> int | None:
                """The last id of the page before `page` (what a client paging by cursor holds)."""
                previous, _ = search_appeals(user, AppealFilter(page=page - 1), at)
                return previous[-1].id if previous else None

            t = time.perf_counter()  # the scheduler's roll-up (on a province kept from before: builds it all,
            # first, so that the minutely counts below are fresh when the pages read them)
            pairs = roll_up()
            ms = (time.perf_counter() - t) * 1000
            rows.append(Row(f"assessment roll-up ({pairs:,} unit-days)", f"{ms:,.0f} ms"))
            # What the scheduler does each minute, so that dashboards read counts.
            t = time.perf_counter()
            holders = refresh_open_counts(at)
            ms = (time.perf_counter() - t) * 1000
            rows.append(Row(f"count the open appeals for the dashboards ({holders:,} holders)", f"{ms:,.0f} ms",
                            f"≤ {REFRESH_MS:,} ms, once a minute", ms <= REFRESH_MS))  # fmt: skip
            campaign_id = open_campaign(db, at)
            t = time.perf_counter()  # the scheduler's minutely count of the campaigns' progress
            refresh_unit_progress(at)
            ms = (time.perf_counter() - t) * 1000
            rows.append(Row("count the running campaigns' progress per unit", f"{ms:,.0f} ms",
                            f"≤ {REFRESH_MS:,} ms, once a minute", ms <= REFRESH_MS))  # fmt: skip
            t = time.perf_counter()  # the hourly count of the last 31 days for the dashboards' trend
            written = refresh_activity(at)
            ms = (time.perf_counter() - t) * 1000
            rows.append(Row(f"count the last 31 days' activity ({written:,} unit-days)", f"{ms:,.0f} ms",
                            f"≤ {WEEKLY_MS:,} ms, once an hour", ms <= WEEKLY_MS))  # fmt: skip
            t = time.perf_counter()  # Monday's 未诉先办 job: last week against the eight before
            found = detect()
            ms = (time.perf_counter() - t) * 1000
            rows.append(Row(f"detect last week's hot spots ({found.flagged:,} found)", f"{ms:,.0f} ms",
                            f"≤ {WEEKLY_MS:,} ms, once a week", ms <= WEEKLY_MS))  # fmt: skip
            today = local_today()  # any 30 days (mostly days), this month so far, the last whole month
            days30 = MetricsQuery(start=today - timedelta(days=29), end=today)
            this_month = MetricsQuery(start=today.replace(day=1), end=today)
            last = today.replace(day=1) - timedelta(days=1)
            whole_month = MetricsQuery(start=last.replace(day=1), end=last)
            quarter = MetricsQuery(start=today - timedelta(days=89), end=today)
            for who, username in ACCOUNTS.items():
                user = db.session.scalars(select(User).where(User.username == username)).one()
                last_seen = cursor(user, deep)
                queries: list[tuple[str, Callable[[], Any]]] = [
                    ("list, first page", lambda u=user: search_appeals(u, AppealFilter(), at)),
                    (f"list, page {deep}", lambda u=user: search_appeals(u, AppealFilter(page=deep), at)),
                    (f"list, page {deep} by cursor", lambda u=user, c=last_seen:
                        search_appeals(u, AppealFilter(before=c), at)),
                    ("list, in hand", lambda u=user: search_appeals(u, AppealFilter(state="handling"), at)),
                    ("list, overdue", lambda u=user: search_appeals(u, AppealFilter(overdue=True), at)),
                ]  # fmt: skip
                for i, words in enumerate(SEARCHES, 1):  # words of titles, addresses, contents (full-text index)
                    queries.append((f"search {i}「{words}」",
                                    lambda u=user, q=words: search_appeals(u, AppealFilter(q=q), at)))  # fmt: skip
                if who == "centre":  # the operator's 来电历史 and 重复诉求 (the centre's supervisor may, too)
                    phone = db.session.scalar(select(Appeal.citizen_phone).where(Appeal.id == last_seen))
                    queries.append(("caller history (by phone)",
                                    lambda u=user, p=phone: search_appeals(u, AppealFilter(phone=p), at)))  # fmt: skip
                    newest = db.session.get(Appeal, db.session.scalar(select(func.max(Appeal.id))))
                    queries.append(("similar appeals (重复诉求) of the newest",
                                    lambda u=user, a=newest: similar_to_appeal(a, u, at)))  # fmt: skip
                    for queue in (VISITS, APPROVALS):  # the 回访 desk and the approvals, by deadline
                        queries.append((f"queue {queue.label}", lambda u=user, q=queue:
                                        search_appeals(u, AppealFilter(**q.filters), at)))  # fmt: skip
                if who != "centre":  # the unit inbox's tabs, each counted
                    queries.append(("inbox tab counts", lambda u=user: tab_counts(u, "own", at)))
                if who != "grid":
                    area = None if who == "centre" else user.unit
                    queries.append(("dashboard trend (30 days)", lambda a=area: trend(a, at)))
                    queries.append(("dashboard category × area", lambda u=user: by_kind(dashboard(u, at))))
                    queries.append(("dashboard map (open appeals by grid)", lambda u=user: places(u, at)))
                    queries += [
                        ("dashboard", lambda u=user: dashboard(u, at)),
                        ("this month's assessment", lambda u=user: assess(u, this_month)),
                        ("last month's assessment", lambda u=user: assess(u, whole_month)),
                        ("last 30 days' assessment", lambda u=user: assess(u, days30)),
                        ("90 days' assessment", lambda u=user: assess(u, quarter)),
                        ("ranking of the last whole month", lambda u=user: rank(u, whole_month)),
                        ("hot spots (dashboard panel)", lambda u=user: hot_spots(u, HotSpotQuery())),
                        ("ledger page (万件清理)", lambda u=user: ledger_page(campaign_id, u)),
                    ]
                for label, call in queries:
                    ms = p95(call, args.runs)
                    if explain is not None:
                        save_plans(call, explain / f"{who}-{re.sub(r'[^a-z0-9]+', '-', label).strip('-')}.txt")
                    rows.append(Row(f"{who}: {label}", f"{ms:,.0f} ms", f"≤ {TARGET_MS} ms", ms <= TARGET_MS))
                    db.session.rollback()
            db.session.remove()
            db.engine.dispose()
    report(f"Reads at {args.appeals:,} appeals (PostgreSQL, p95 of {args.runs})", rows, smoke=args.smoke)


if __name__ == "__main__":
    main()
