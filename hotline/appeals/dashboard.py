"""The supervisors' dashboard (督办看板): open appeals by SLA status and card, for the
user's area in total and per unit one level below.

Counting a province's open appeals on every view costs hundreds of milliseconds, so the
scheduler counts them once a minute, grouped by the unit holding them (`refresh_open_counts`,
into `OpenCount` rows), and a view rolls those rows up to the units below the viewer. A view
reads the live tables instead when the counts are missing or older than two minutes (no
scheduler running, as in the tests), and says which it shows (`counted_at`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, insert, literal, select

from hotline.appeals.deadlines import HOLDER, sla_status_sql
from hotline.appeals.models import Appeal, OpenCount
from hotline.appeals.permissions import DASHBOARD
from hotline.appeals.states import OPEN_STATES
from hotline.auth.models import User
from hotline.core.db import write_transaction
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.grid.models import Unit

# Counts older than this are not shown: the scheduler refreshes them every minute.
FRESH_FOR = timedelta(minutes=2)


@dataclass
class AreaCounts:
    unit: Unit | None  # None: the centre's own queue
    open: int = 0
    on_time: int = 0
    warning: int = 0
    overdue: int = 0
    yellow: int = 0
    red: int = 0

    def add(self, counts: Sequence[int]) -> None:
        self.open += counts[0]
        self.on_time += counts[1]
        self.warning += counts[2]
        self.overdue += counts[3]
        self.yellow += counts[4]
        self.red += counts[5]


@dataclass
class Dashboard:
    total: AreaCounts
    rows: list[AreaCounts] = field(default_factory=list)
    counted_at: datetime | None = None  # None: counted live, now
    everywhere: bool = False  # the centre's own view: every open appeal, wherever it is held


def _grouped(at: datetime, scope: ColumnElement[bool] | None = None) -> Any:
    """The open appeals (within `scope`) per holder: open, on time, warning, overdue,
    yellow and red cards."""
    status = sla_status_sql(at)
    return (
        select(
            HOLDER,
            func.count(),
            func.coalesce(func.sum(case((status == "on_time", 1), else_=0)), 0),
            func.coalesce(func.sum(case((status == "warning", 1), else_=0)), 0),
            func.coalesce(func.sum(case((status == "overdue", 1), else_=0)), 0),
            func.coalesce(func.sum(case((Appeal.supervision_level == "yellow", 1), else_=0)), 0),
            func.coalesce(func.sum(case((Appeal.supervision_level == "red", 1), else_=0)), 0),
        )
        .where(Appeal.state.in_(OPEN_STATES), *([scope] if scope is not None else []))
        .group_by(HOLDER)
    )


def refresh_open_counts(at: datetime) -> int:
    """Count every open appeal now, per holder (`HOLDER`), replacing the previous counts in one
    transaction (readers see the old set or the new one, never half of each)."""
    columns = ["unit_id", "open", "on_time", "warning", "overdue", "yellow", "red", "counted_at"]
    with write_transaction(db.session):
        db.session.execute(delete(OpenCount))
        counted = _grouped(at).add_columns(literal(at, OpenCount.counted_at.type))
        db.session.execute(insert(OpenCount).from_select(columns, counted))
        units = db.session.scalar(select(func.count()).select_from(OpenCount)) or 0
    return units


def dashboard(user: User, at: datetime, within: Unit | None = None) -> Dashboard:
    """Open appeals of the user's area by SLA status and card, in total and per unit one
    level below (the centre: the districts and city departments, plus its own queue);
    `within`, a unit of that area: the same one level further down (市 → 区 → 街道 → 社区 →
    网格, and a department's sections), 404 for a unit outside it."""
    DASHBOARD.require(user)
    home = user.unit.parent if user.at_centre else user.unit
    assert home is not None, "the centre hangs on the area it serves"
    if within is not None and within.id != home.id:
        if within.kind == "centre" or not (user.at_centre or user.unit.contains(within)):
            raise NotFound("没有这个单位，或不在您的辖区内")
        top, own = within, AreaCounts(within)
    elif user.at_centre:
        top, own = home, AreaCounts(None)  # the centre's city, and its own queue
    else:
        top, own = home, AreaCounts(home)
    # The centre counts every open appeal; a unit, those held in its subtree.
    in_area = None if top is home and user.at_centre else select(Unit.id).where(Unit.subtree_clause(top.path))
    counted_at = db.session.scalar(select(func.max(OpenCount.counted_at)))
    grouped: Sequence[Any]
    if counted_at is not None and at - FRESH_FOR <= counted_at <= at + FRESH_FOR:
        numbers = (OpenCount.open, OpenCount.on_time, OpenCount.warning, OpenCount.overdue, OpenCount.yellow,
                   OpenCount.red)  # fmt: skip
        rows = select(OpenCount.unit_id, *numbers)
        grouped = db.session.execute(rows if in_area is None else rows.where(OpenCount.unit_id.in_(in_area))).all()
    else:
        counted_at = None
        scope = None if in_area is None else HOLDER.in_(in_area)
        grouped = db.session.execute(_grouped(at, scope)).all()
    board = _rolled_up(user, top, own, grouped, counted_at)
    board.everywhere = in_area is None
    return board


def _rolled_up(
    user: User, top: Unit, own: AreaCounts, grouped: Sequence[Any], counted_at: datetime | None
) -> Dashboard:
    """The per-unit counts added up to the area's total and to the units one level below."""
    children = db.session.scalars(
        select(Unit).where(Unit.parent_id == top.id, Unit.active, Unit.kind != "centre").order_by(Unit.path)
    ).all()
    by_code = {child.code: AreaCounts(child) for child in children}
    holders = [r[0] for r in grouped if r[0] is not None]
    paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(holders))).tuples().all())
    total = AreaCounts(top)
    for unit_id, *numbers in grouped:
        total.add(numbers)
        if unit_id is None or unit_id == top.id:
            # The centre's own queue (no unit yet) or, for a unit, what it holds itself.
            if (unit_id is None) == (own.unit is None):
                own.add(numbers)
            continue
        path = paths[unit_id]
        if path.startswith(top.path) and (child := by_code.get(path[len(top.path) :].split("/")[0])):
            child.add(numbers)
    return Dashboard(total, [r for r in (own, *by_code.values()) if r.open], counted_at)
