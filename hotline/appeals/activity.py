"""The dashboard's 30-day trend: appeals received, closed (评价) and carded (督办) per day,
by the unit that handles them, counted by the `activity-days` job into `daily_activity`
(the last ACTIVITY_DAYS and today so far, again each hour, since an appeal received one
day may be sent to its unit the next); a view sums those rows over the viewer's area.
Counting today live read every appeal for the ones closed today: seconds at ten million."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, literal, select, union_all

from hotline.appeals.models import Appeal, AppealEvent, DailyActivity
from hotline.appeals.states import State
from hotline.core.clock import local_date, start_of
from hotline.core.db import local_day, write_transaction
from hotline.core.extensions import db
from hotline.grid.models import Unit

ACTIVITY_DAYS = 31  # counted again each hour: the trend's 30 days and the day before


@dataclass
class Day:
    day: date
    received: int = 0
    closed: int = 0
    carded: int = 0


def _per_unit_day(since: datetime, until: datetime) -> Select:
    """(unit, day, received, closed, carded) of the appeals' moments in [since, until)."""
    a = Appeal
    received = select(a.main_unit_id, local_day(a.received_at).label("day"), literal(1), literal(0), literal(0)).where(
        a.received_at >= since, a.received_at < until
    )
    closed = select(a.main_unit_id, local_day(a.closed_at).label("day"), literal(0), literal(1), literal(0)).where(
        a.state == State.EVALUATED, a.closed_at >= since, a.closed_at < until
    )
    carded = (
        select(a.main_unit_id, local_day(AppealEvent.at).label("day"), literal(0), literal(0), literal(1))
        .join(a, a.id == AppealEvent.appeal_id)
        .where(AppealEvent.action == "supervise", AppealEvent.at >= since, AppealEvent.at < until)
    )
    moments = union_all(received, closed, carded).subquery()
    c = list(moments.c)
    return select(c[0], c[1], func.sum(c[2]), func.sum(c[3]), func.sum(c[4])).group_by(c[0], c[1])


def refresh_activity(at: datetime) -> int:
    """Count the last ACTIVITY_DAYS whole days and today until `at` again (the
    `activity-days` job), in one transaction. Returns the rows written."""
    first = local_date(at) - timedelta(days=ACTIVITY_DAYS)
    with write_transaction(db.session):
        db.session.execute(delete(DailyActivity).where(DailyActivity.day >= first))
        columns = ["unit_id", "day", "received", "closed", "carded"]
        db.session.execute(insert(DailyActivity).from_select(columns, _per_unit_day(start_of(first), at)))
        written = db.session.scalar(select(func.count()).where(DailyActivity.day >= first)) or 0
    return written


def trend(top: Unit | None, at: datetime, days: int = 30) -> list[Day]:
    """The last `days` days (today so far included, as last counted) of the area under
    `top` (None: everything, the centre's own queue too), oldest first."""
    today = local_date(at)
    first = today - timedelta(days=days - 1)
    found = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range(days)}
    stored = select(DailyActivity.day, *_sums(DailyActivity)).where(
        DailyActivity.day >= first, DailyActivity.day <= today, *_within(DailyActivity.unit_id, top)
    )
    for day, received, closed, carded in db.session.execute(stored.group_by(DailyActivity.day)):
        if day in found:
            row = found[day]
            row.received, row.closed, row.carded = int(received or 0), int(closed or 0), int(carded or 0)
    return list(found.values())


def _sums(table: Any) -> tuple[Any, ...]:
    return func.sum(table.received), func.sum(table.closed), func.sum(table.carded)


def _within(unit: Any, top: Unit | None) -> list[ColumnElement[bool]]:
    if top is None:
        return []
    return [unit.in_(select(Unit.id).where(Unit.subtree_clause(top.path)))]
