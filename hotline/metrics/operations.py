"""Assessment of units: per main handling unit and period, counted in one
SQL query over the appeals received in the period.

    及时签收率 = signed in time ÷ due to be signed
    响应率     = first contact in time ÷ dispatched
    按期办结率 = replied by the (extended) deadline ÷ due to close
    解决率     = (解决 + 0.5 × 部分解决) ÷ rated
    满意率     = (非常满意 + 满意 + 0.8 × 基本满意) ÷ rated
    composite  = weighted 响应, 解决, 满意 (configuration), minus points per red card and
                 the points deducted for 虚假办结

Merged repeats have no main unit of their own, so each problem counts once (on its master);
appeals whose 申诉复核 was upheld (不合理诉求, 最终答复, a contested 差评) do not count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from pydantic import Field, model_validator
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from hotline.appeals.models import Appeal, AppealEvent, Deduction
from hotline.auth.models import User
from hotline.core.clock import local_today, local_zone, now
from hotline.core.extensions import db
from hotline.core.permissions import holding
from hotline.core.validation import Body, FieldErrors, SaneDate
from hotline.core.vocabulary import UNIT_KINDS, UNIT_LEVELS, UNRATED
from hotline.grid.models import Unit

MAX_PERIOD = timedelta(days=366)
RESOLUTION_WEIGHTS = {"解决": 1.0, "部分解决": 0.5}
SATISFACTION_WEIGHTS = {"非常满意": 1.0, "满意": 1.0, "基本满意": 0.8}


class MetricsQuery(Body):
    start: SaneDate | None = Field(None, description="起始日（含），缺省为本月1日")
    end: SaneDate | None = Field(None, description="截止日（含），缺省为今天")
    level: str | None = Field(None, pattern="^(" + "|".join(UNIT_LEVELS) + ")$", description="只看某一层级的单位")
    kind: str | None = Field(None, pattern="^(" + "|".join(UNIT_KINDS) + ")$", description="area 或 department")

    @model_validator(mode="after")
    def _period(self):
        if self.start and self.end:
            if self.end < self.start:
                raise FieldErrors({"end": "截止日不能早于起始日"})
            if self.end - self.start > MAX_PERIOD:
                raise FieldErrors({"end": "统计期不能超过一年"})
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and not 2000 <= value.year <= 2100:
                raise FieldErrors({name: "超出可统计的年份"})
        return self

    def period(self) -> tuple[date, date]:
        end = self.end or local_today()
        start = self.start or min(end.replace(day=1), end)
        return start, end


@dataclass
class Rate:
    numerator: float
    denominator: int

    @property
    def value(self) -> float | None:
        return round(self.numerator / self.denominator, 4) if self.denominator else None


@dataclass
class UnitScore:
    unit: Unit
    appeals: int
    signing: Rate  # 及时签收率
    response: Rate  # 响应率
    on_time: Rate  # 按期办结率
    resolution: Rate  # 解决率
    satisfaction: Rate  # 满意率
    red_cards: int
    deductions: float  # 虚假办结 points
    composite: float | None


VIEW_METRICS = holding("admin", "supervisor", refusal="只有督办员和系统管理员可以查看考核指标")


def assess(user: User, query: MetricsQuery, at: datetime | None = None) -> tuple[date, date, list[UnitScore]]:
    """Scores of the units this user oversees (the whole organisation from the centre, else
    the user's own subtree), best composite first."""
    VIEW_METRICS.require(user)
    at = at or now()
    start, end = query.period()
    zone = local_zone()
    since, until = datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone)
    a = Appeal
    counted = (
        a.main_unit_id.is_not(None),
        a.state != "merged",
        a.assessment_excluded.is_(False),
        a.received_at >= since,
        a.received_at < until,
    )
    reds = (
        select(AppealEvent.appeal_id, func.count().label("cards"))
        .where(AppealEvent.action == "supervise", AppealEvent.payload["level"].as_string() == "red")
        .group_by(AppealEvent.appeal_id)
        .subquery()
    )

    deducted = (
        select(Deduction.appeal_id, func.sum(Deduction.points).label("points")).group_by(Deduction.appeal_id).subquery()
    )

    def count(*condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((and_(*condition), 1), else_=0))

    def weighted(column: InstrumentedAttribute[str | None], weights: dict[str, float]) -> ColumnElement[float]:
        return func.sum(case(*[(column == k, w) for k, w in weights.items()], else_=0.0))

    stmt = (
        select(
            a.main_unit_id,
            func.count(),
            count(a.sign_due_at.is_not(None), (a.signed_at.is_not(None)) | (a.sign_due_at < at)),
            count(a.signed_at.is_not(None), a.signed_at <= a.sign_due_at),
            count(a.dispatched_at.is_not(None)),
            count(a.first_contact_at.is_not(None), a.first_contact_at <= a.contact_due_at),
            count(a.due_at.is_not(None), (a.replied_at.is_not(None)) | (a.due_at < at)),
            count(a.replied_at.is_not(None), a.replied_at <= a.due_at),
            count(a.resolved.is_not(None)),
            weighted(a.resolved, RESOLUTION_WEIGHTS),
            count(a.satisfaction != UNRATED),
            weighted(a.satisfaction, SATISFACTION_WEIGHTS),
            func.sum(func.coalesce(reds.c.cards, 0)),
            func.sum(func.coalesce(deducted.c.points, 0.0)),
        )
        .join(Unit, Unit.id == a.main_unit_id)
        .outerjoin(reds, reds.c.appeal_id == a.id)
        .outerjoin(deducted, deducted.c.appeal_id == a.id)
        .where(*counted)
        .group_by(a.main_unit_id)
    )
    if not user.at_centre:
        stmt = stmt.where(Unit.subtree_clause(user.unit.path))
    if query.level:
        stmt = stmt.where(Unit.level == query.level)
    if query.kind:
        stmt = stmt.where(Unit.kind == query.kind)
    rows = db.session.execute(stmt).all()
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_([r[0] for r in rows])))}
    scores = [_score(units[r[0]], r) for r in rows]
    scores.sort(key=lambda s: (s.composite is None, -(s.composite or 0), s.unit.path))
    return start, end, scores


def _score(unit: Unit, row) -> UnitScore:
    # PostgreSQL sums to NUMERIC: back to plain numbers, NULL (no rows) to zero.
    (
        total,
        sign_due,
        signed_in_time,
        dispatched,
        contacted_in_time,
        close_due,
        closed_in_time,
        rated,
        satisfaction_rated,
        red_cards,
    ) = (int(row[i] or 0) for i in (1, 2, 3, 4, 5, 6, 7, 8, 10, 12))
    resolved, satisfied, deductions = float(row[9] or 0), float(row[11] or 0), float(row[13] or 0)
    response = Rate(contacted_in_time, dispatched)
    resolution, satisfaction = Rate(resolved, rated), Rate(satisfied, satisfaction_rated)
    return UnitScore(
        unit=unit,
        appeals=total,
        signing=Rate(signed_in_time, sign_due),
        response=response,
        on_time=Rate(closed_in_time, close_due),
        resolution=resolution,
        satisfaction=satisfaction,
        red_cards=red_cards,
        deductions=deductions,
        composite=composite(response, resolution, satisfaction, red_cards, deductions),
    )


def composite(
    response: Rate, resolution: Rate, satisfaction: Rate, red_cards: int, deductions: float = 0.0
) -> float | None:
    """Weighted score out of 100, minus the red-card and 虚假办结 points, never below zero. None (not
    ranked) until all three rates have data: a unit whose appeals are not yet rated must
    not outrank one that was."""
    weights = current_app.config["HOTLINE_SCORE_WEIGHTS"]
    parts = [
        (weights["response"], response.value),
        (weights["resolution"], resolution.value),
        (weights["satisfaction"], satisfaction.value),
    ]
    if any(value is None for _, value in parts):
        return None
    score = 100 * sum(w * v for w, v in parts) / sum(w for w, _ in parts)
    penalty = red_cards * current_app.config["HOTLINE_RED_CARD_PENALTY"] + deductions
    return round(max(score - penalty, 0.0), 2)
