"""Lists of appeals: the filters both the pages and the API offer, done in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import Field, field_validator
from sqlalchemy import case, func, or_, select

from hotline.appeals.deadlines import sla_status_sql
from hotline.appeals.models import Appeal
from hotline.appeals.permissions import DASHBOARD
from hotline.appeals.states import OPEN_STATES, State
from hotline.appeals.visibility import visible_clause
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core.clock import local_zone
from hotline.core.extensions import db
from hotline.core.pagination import MAX_PER_PAGE, PageQuery, paginate
from hotline.core.validation import Id
from hotline.core.vocabulary import AppealType, Channel, Urgency
from hotline.grid.models import Unit


class AppealFilter(PageQuery):
    state: str | None = Field(None, description="状态，可用逗号分隔多个，如 dispatched,handling")
    unit: Id | None = Field(None, description="当前承办单位及其下级单位")
    overdue: bool | None = Field(None, description="true：当前步骤已超期；false：未超期")
    sla: Literal["on_time", "warning", "overdue"] | None = None
    channel: Channel | None = None
    type: AppealType | None = None
    urgency: Urgency | None = None
    category: str | None = Field(None, max_length=16, description="分类编码（含下级分类）")
    q: str | None = Field(None, max_length=100, description="工单编号、标题或内容关键词")
    received_from: date | None = None
    received_to: date | None = None
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description=f"每页条数，最多{MAX_PER_PAGE}")

    @field_validator("state")
    @classmethod
    def _states(cls, value: str | None) -> str | None:
        if value:
            unknown = [s for s in value.split(",") if s not in frozenset(State)]
            if unknown:
                raise ValueError(f"未知状态：{','.join(unknown)}")
        return value or None


def search_appeals(user: User, f: AppealFilter, at: datetime) -> tuple[list[Appeal], dict]:
    conditions = [visible_clause(user)]
    if f.state:
        conditions.append(Appeal.state.in_(f.state.split(",")))
    if f.unit is not None:
        unit = db.session.get(Unit, f.unit)
        if unit is None:
            return paginate([], f)
        conditions.append(_in_subtree(unit))
    if f.overdue is not None:
        conditions.append(
            Appeal.sla_due_at < at if f.overdue else or_(Appeal.sla_due_at.is_(None), Appeal.sla_due_at >= at)
        )
    if f.sla:
        conditions.append(sla_status_sql(at) == f.sla)
    for column, value in ((Appeal.channel, f.channel), (Appeal.type, f.type), (Appeal.urgency, f.urgency)):
        if value:
            conditions.append(column == value)
    if f.category:
        conditions.append(Appeal.category_id.in_(select(Category.id).where(Category.code.startswith(f.category))))
    if f.q:
        like = f"%{f.q}%"
        conditions.append(or_(Appeal.number == f.q, Appeal.title.like(like), Appeal.content.like(like)))
    zone = local_zone()
    if f.received_from:
        conditions.append(Appeal.received_at >= datetime.combine(f.received_from, time(), zone))
    if f.received_to:
        conditions.append(Appeal.received_at < datetime.combine(f.received_to + timedelta(days=1), time(), zone))

    # newest registered first
    return paginate(select(Appeal).where(*conditions).order_by(Appeal.id.desc()), f)


def overdue_count(unit: Unit, at: datetime) -> int:
    """Appeals now with a unit in this unit's subtree whose running step is overdue."""
    return (
        db.session.scalar(select(func.count()).select_from(Appeal).where(_in_subtree(unit), Appeal.sla_due_at < at))
        or 0
    )


@dataclass
class AreaCounts:
    unit: Unit | None  # None: the centre's own queue
    open: int = 0
    on_time: int = 0
    warning: int = 0
    overdue: int = 0
    yellow: int = 0
    red: int = 0

    def add(self, counts: tuple[int, ...]) -> None:
        self.open += counts[0]
        self.on_time += counts[1]
        self.warning += counts[2]
        self.overdue += counts[3]
        self.yellow += counts[4]
        self.red += counts[5]


def dashboard(user: User, at: datetime) -> tuple[AreaCounts, list[AreaCounts]]:
    """Open appeals of the user's area by SLA status and card, in total and per unit one
    level below (the centre: the districts and city departments, plus its own queue).

    One pass over the open appeals, grouped by their current unit, rolled up here to the
    units below: the cost follows the open appeals once, not once per row of the table."""
    DASHBOARD.require(user)
    status = sla_status_sql(at)
    if user.at_centre:
        top = user.unit.parent  # the centre's city
        assert top is not None, "the centre hangs on the area it serves"
        scope, own = visible_clause(user), AreaCounts(None)  # the centre's own queue
    else:
        top = user.unit
        scope, own = _in_subtree(top), AreaCounts(top)
    grouped = db.session.execute(
        select(
            Appeal.current_unit_id,
            func.count(),
            func.sum(case((status == "on_time", 1), else_=0)),
            func.sum(case((status == "warning", 1), else_=0)),
            func.sum(case((status == "overdue", 1), else_=0)),
            func.sum(case((Appeal.supervision_level == "yellow", 1), else_=0)),
            func.sum(case((Appeal.supervision_level == "red", 1), else_=0)),
        )
        .where(Appeal.state.in_(OPEN_STATES), scope)
        .group_by(Appeal.current_unit_id)
    ).all()
    children = db.session.scalars(
        select(Unit).where(Unit.parent_id == top.id, Unit.active, Unit.kind != "centre").order_by(Unit.path)
    ).all()
    by_code = {child.code: AreaCounts(child) for child in children}
    paths = dict(
        db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_([r[0] for r in grouped if r[0] is not None])))
        .tuples()
        .all()
    )
    total = AreaCounts(top)
    for unit_id, *numbers in grouped:
        counts = tuple(n or 0 for n in numbers)
        total.add(counts)
        if unit_id is None or unit_id == top.id:
            # The centre's own queue (no unit yet) or, for a unit, what it holds itself.
            if (unit_id is None) == user.at_centre:
                own.add(counts)
            continue
        path = paths[unit_id]
        if path.startswith(top.path) and (child := by_code.get(path[len(top.path) :].split("/")[0])):
            child.add(counts)
    return total, [r for r in (own, *by_code.values()) if r.open]


def _in_subtree(unit: Unit):
    return Appeal.current_unit_id.in_(select(Unit.id).where(Unit.subtree_clause(unit.path)))
