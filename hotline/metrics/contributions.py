"""Each evaluated appeal's contribution, stored once, and its roll-up per unit and day.

`record` runs inside the action's transaction (on `engine.changed`) whenever an action
leaves an appeal evaluated: the first time when it is evaluated, again when an upheld 申诉
takes it out of the assessment. `roll_up` (the scheduler's `assessment-rollup` job) sums
the changed (unit, day) pairs into `assessment_daily`, and their months into
`assessment_monthly`; `summed` reads a period as its whole months' rows and its other
days' rows plus, for pairs changed since the last roll-up, their contributions: exact at
once, and a sum of at most a row per unit and month and a unit's odd days whatever the size
of the province. `rebuild` writes everything again from the appeals (after a change of the
factors, or a bulk load)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)

from hotline.appeals import engine
from hotline.appeals.models import RED_CARD_EVENT, Appeal, AppealEvent, Deduction
from hotline.appeals.states import State
from hotline.core import revisions
from hotline.core.clock import local_date, local_today, month_of, months
from hotline.core.db import local_day, write_transaction
from hotline.core.extensions import db
from hotline.grid.models import Unit
from hotline.metrics.models import SUMMED, changes, contributions, daily, monthly
from hotline.metrics.rates import ALL_RATES

ROLL_UP_BATCH = 5000  # changed pairs per transaction
REVISION = "assessment"  # its token: the definitions the stored figures were built under
DEFINITIONS = 2  # raise when a rate's SQL changes: the next roll-up builds everything again
FACTOR_SETTINGS = ("HOTLINE_RESOLUTION_FACTORS", "HOTLINE_SATISFACTION_FACTORS")


def _contribution_of(day: ColumnElement[date]) -> Select:
    """Each evaluated appeal's row (the appeals a caller's WHERE picks), as of its closing."""
    a = Appeal
    centre = select(Unit.id).where(Unit.kind == "centre").order_by(Unit.id).limit(1).scalar_subquery()
    reds = select(func.count()).where(AppealEvent.appeal_id == a.id, RED_CARD_EVENT).scalar_subquery()
    points = select(func.coalesce(func.sum(Deduction.points), 0.0)).where(Deduction.appeal_id == a.id)
    parts = [part for rate in ALL_RATES for part in rate.parts(a.closed_at)]
    return select(a.id, func.coalesce(a.main_unit_id, centre), day, reds, points.scalar_subquery(), *parts).where(
        a.state == State.EVALUATED, a.assessment_excluded.is_(False)
    )


CONTRIBUTION_COLUMNS = ("appeal_id", "unit_id", "day", *SUMMED)


def record(appeal: Appeal, at: datetime) -> None:
    """Store (or store again, or remove) this evaluated appeal's contribution, keeping the
    day it was first counted on, and note the (unit, day) pairs it changed."""
    db.session.flush()
    old = db.session.execute(
        delete(contributions)
        .where(contributions.c.appeal_id == appeal.id)
        .returning(contributions.c.unit_id, contributions.c.day)
    ).first()
    day = old.day if old else local_date(appeal.closed_at or at)
    new = db.session.execute(
        insert(contributions)
        .from_select(
            CONTRIBUTION_COLUMNS, _contribution_of(literal(day, contributions.c.day.type)).where(Appeal.id == appeal.id)
        )
        .returning(contributions.c.unit_id, contributions.c.day)
    ).first()
    pairs = {tuple(p) for p in (old, new) if p is not None}
    if pairs:
        db.session.execute(insert(changes), [{"unit_id": u, "day": d} for u, d in pairs])


@engine.changed.connect
def _on_change(appeal: Appeal, at: datetime) -> None:
    # Only an evaluated appeal has a contribution, and no action leaves that state.
    if appeal.state == State.EVALUATED:
        record(appeal, at)


def _daily_of(where: ColumnElement[bool]) -> Select:
    c = contributions.c
    return (
        select(c.unit_id, c.day, func.count(), *(func.sum(c[name]) for name in SUMMED))
        .where(where)
        .group_by(c.unit_id, c.day)
    )


DAILY_COLUMNS = ("unit_id", "day", "appeals", *SUMMED)
MONTHLY_COLUMNS = ("unit_id", "month", "appeals", *SUMMED)


def _monthly_of(first: date, where: ColumnElement[bool]) -> Select:
    d = daily.c
    return (
        select(d.unit_id, literal(first, monthly.c.month.type), *(func.sum(d[name]) for name in ("appeals", *SUMMED)))
        .where(d.day.between(*month_of(first)), where)
        .group_by(d.unit_id)
    )


def roll_up() -> int:
    """Sum the changed (unit, day) pairs into the daily rows, a batch per transaction.
    A pair is claimed by deleting its change rows, so a change committed meanwhile stays
    for the next run. Returns the number of pairs summed again. When the stored figures
    were built under other definitions (just upgraded, or the factors changed), everything
    is built again first."""
    if revisions.current(REVISION) != definitions_token():
        rebuild()
    total = 0
    while True:
        with write_transaction(db.session):
            oldest = select(changes.c.id).order_by(changes.c.id).limit(ROLL_UP_BATCH)
            claimed = db.session.execute(
                delete(changes).where(changes.c.id.in_(oldest)).returning(changes.c.unit_id, changes.c.day)
            ).all()
            pairs = list({(u, d) for u, d in claimed})
            if pairs:
                _sum_again(pairs)
        total += len(pairs)
        if len(claimed) < ROLL_UP_BATCH:
            return total


def _sum_again(pairs: list[tuple[int, date]]) -> None:
    in_pairs = tuple_(daily.c.unit_id, daily.c.day).in_(pairs)
    db.session.execute(delete(daily).where(in_pairs))
    c = contributions.c
    db.session.execute(insert(daily).from_select(DAILY_COLUMNS, _daily_of(tuple_(c.unit_id, c.day).in_(pairs))))
    months: dict[date, set[int]] = {}
    for unit_id, day in pairs:
        months.setdefault(day.replace(day=1), set()).add(unit_id)
    for first, units in months.items():
        db.session.execute(delete(monthly).where(monthly.c.month == first, monthly.c.unit_id.in_(units)))
        db.session.execute(insert(monthly).from_select(MONTHLY_COLUMNS, _monthly_of(first, daily.c.unit_id.in_(units))))


def definitions_token() -> str:
    """What the stored figures depend on besides the appeals: the factors now set and the
    version of the rates' SQL (DEFINITIONS, raised when a rate's definition changes)."""
    factors = {name: current_app.config[name] for name in FACTOR_SETTINGS}
    text = json.dumps([DEFINITIONS, factors], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def rebuild() -> int:
    """Every contribution, daily and monthly row written again from the appeals, in one
    transaction (after the factors change, or a bulk load). Returns the appeals counted."""
    with write_transaction(db.session):
        for table in (changes, monthly, daily, contributions):
            db.session.execute(delete(table))
        db.session.execute(
            insert(contributions).from_select(CONTRIBUTION_COLUMNS, _contribution_of(local_day(Appeal.closed_at)))
        )
        db.session.execute(insert(daily).from_select(DAILY_COLUMNS, _daily_of(literal(True))))
        earliest, latest = db.session.execute(select(func.min(daily.c.day), func.max(daily.c.day))).one()
        for first, _ in months(earliest, latest) if earliest is not None else ():
            db.session.execute(insert(monthly).from_select(MONTHLY_COLUMNS, _monthly_of(first, literal(True))))
        revisions.set_token(REVISION, definitions_token())
        counted = db.session.scalar(select(func.count()).select_from(contributions)) or 0
    return counted


@dataclass(frozen=True)
class MonthRead:
    """A month of the period read as its monthly row less the days the period leaves out."""

    first: date
    last: date
    inside: tuple[date, date]  # the period's days in the month
    outside: tuple[tuple[date, date], ...]  # the month's other days up to today, subtracted


def split(start: date, end: date) -> tuple[list[MonthRead], list[tuple[date, date]]]:
    """The period as the months it is cheaper to read by their monthly rows (fewer days left
    out than taken in) and the runs of days read from the daily rows. Days after today have
    no rows (nothing is evaluated in the future), so a month up to today is whole."""
    by_month, days = [], []
    today = local_today()
    for first, last in months(start, end):
        inside = max(start, first), min(end, last)
        outside = tuple(
            (a, b)
            for a, b in ((first, inside[0] - timedelta(days=1)), (inside[1] + timedelta(days=1), min(last, today)))
            if a <= b
        )
        if 1 + sum((b - a).days + 1 for a, b in outside) < (inside[1] - inside[0]).days + 1:
            by_month.append(MonthRead(first, last, inside, outside))
        else:
            days.append(inside)
    return by_month, days


def summed(start: date, end: date, units: Iterable[Any] = ()) -> Select:
    """(unit_id, appeals, *SUMMED) per unit over the days from `start` to `end`: monthly rows
    less the daily rows of the days the period leaves out of their months, and daily rows
    (see `split`), leaving out what changed since the last roll-up, which comes from the
    contributions themselves (a changed pair's daily row, and its month's row, are stale
    until the job sums them again). `units` narrows the units (clauses on Unit, which the
    statement joins)."""
    c, d, m, ch = contributions.c, daily.c, monthly.c, changes.c
    months, days = split(start, end)

    def changed_in(month: MonthRead) -> Select:
        return select(ch.unit_id).where(ch.day.between(month.first, month.last))

    changed = exists().where(ch.unit_id == d.unit_id, ch.day == d.day)
    by_day = select(d.unit_id, d.appeals, *(d[name] for name in SUMMED)).where(~changed)
    parts = [by_day.where(or_(*(d.day.between(a, b) for a, b in days)))] if days else []
    for month in months:  # a month with a change pending is read by its days, for that unit only
        pending = changed_in(month).distinct().subquery()
        parts.append(by_day.join(pending, pending.c.unit_id == d.unit_id).where(d.day.between(*month.inside)))
    if months:
        whole = [and_(m.month == month.first, m.unit_id.not_in(changed_in(month))) for month in months]
        parts.append(select(m.unit_id, m.appeals, *(m[name] for name in SUMMED)).where(or_(*whole)))
        left_out = [
            and_(or_(*(d.day.between(a, b) for a, b in month.outside)), d.unit_id.not_in(changed_in(month)))
            for month in months
            if month.outside
        ]
        if left_out:
            parts.append(select(d.unit_id, -d.appeals, *(-d[name] for name in SUMMED)).where(or_(*left_out)))
    parts.append(
        select(c.unit_id, literal(1).label("appeals"), *(c[name] for name in SUMMED)).where(
            c.day.between(start, end), exists().where(ch.unit_id == c.unit_id, ch.day == c.day)
        )
    )
    both = union_all(*parts).subquery()
    # Summed first, then joined: 2,000 units of a province looked up by key, not hashed whole.
    per_unit = (
        select(
            both.c.unit_id,
            func.sum(both.c.appeals).label("appeals"),
            *(func.sum(both.c[name]).label(name) for name in SUMMED),
        )
        .group_by(both.c.unit_id)
        .subquery()
    )
    return select(per_unit).join(Unit, Unit.id == per_unit.c.unit_id).where(*units)
