"""Assessment of units: per main handling unit and period, every rate of `rates.RATES`
(及时签收率, 响应率, 按期办结率, 解决率, 满意率, 回访率, 一次办结率, 重复诉求率, 退单率, 重办率,
each a numerator over a denominator) counted in one SQL query over the appeals received in
the period, and the composite: the rates weighted by HOTLINE_SCORE_WEIGHTS minus points per
red card and for 虚假办结. The appeals behind any figure are listed by `appeals_behind`.

Merged repeats have no main unit of their own, so each problem counts once (on its master);
appeals whose 申诉复核 was upheld (不合理诉求, 最终答复, a contested 差评) do not count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from flask import current_app
from pydantic import Field, field_validator, model_validator
from sqlalchemy import ColumnElement, Select, case, func, select

from hotline.appeals.models import RED_CARD_EVENT, Appeal, AppealEvent, Deduction
from hotline.auth.models import User
from hotline.core.clock import local_today, local_zone, now
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.pagination import PageQuery
from hotline.core.permissions import holding
from hotline.core.validation import Body, FieldErrors, SaneDate
from hotline.core.vocabulary import UNIT_KINDS, UNIT_LEVELS
from hotline.grid.models import Unit
from hotline.metrics.rates import BY_KEY, DIRECT_ANSWER, RATES, RateDef, numerator_clause

MAX_PERIOD = timedelta(days=366)


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
    rates: dict[str, Rate]  # by RateDef.key
    red_cards: int
    deductions: float  # 虚假办结 points
    composite: float | None


VIEW_METRICS = holding("admin", "supervisor", refusal="只有督办员和系统管理员可以查看考核指标")


def _period(query: MetricsQuery) -> tuple[date, date, datetime, datetime]:
    start, end = query.period()
    zone = local_zone()
    return start, end, datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone)


def _received(since: datetime, until: datetime) -> tuple[ColumnElement[bool], ...]:
    """The appeals received in the period that count at all (an upheld 申诉复核 does not)."""
    return Appeal.received_at >= since, Appeal.received_at < until, Appeal.assessment_excluded.is_(False)


def _counted(since: datetime, until: datetime) -> tuple[ColumnElement[bool], ...]:
    """A unit's appeals of the period: those it was the main handler of; a merged repeat
    counts on its master."""
    return Appeal.main_unit_id.is_not(None), Appeal.state != "merged", *_received(since, until)


def assess(user: User, query: MetricsQuery, at: datetime | None = None) -> tuple[date, date, list[UnitScore]]:
    """Scores of the units this user oversees (the whole organisation from the centre, else
    the user's own subtree), best composite first: every rate of `rates.RATES` in one
    grouped query."""
    VIEW_METRICS.require(user)
    at = at or now()
    start, end, since, until = _period(query)
    a = Appeal
    reds = (
        select(AppealEvent.appeal_id, func.count().label("cards"))
        .where(RED_CARD_EVENT)
        .group_by(AppealEvent.appeal_id)
        .subquery()
    )
    deducted = (
        select(Deduction.appeal_id, func.sum(Deduction.points).label("points")).group_by(Deduction.appeal_id).subquery()
    )
    per_rate = [total for rate in RATES for total in rate.sums(at)]
    stmt = (
        select(
            a.main_unit_id,
            func.count(),
            func.sum(func.coalesce(reds.c.cards, 0)),
            func.sum(func.coalesce(deducted.c.points, 0.0)),
            *per_rate,
        )
        .join(Unit, Unit.id == a.main_unit_id)
        .outerjoin(reds, reds.c.appeal_id == a.id)
        .outerjoin(deducted, deducted.c.appeal_id == a.id)
        .where(*_counted(since, until))
        .group_by(a.main_unit_id)
    )
    stmt = _within(stmt, user, query)
    rows = db.session.execute(stmt).all()
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_([r[0] for r in rows])))}
    scores = [_score(units[r[0]], r) for r in rows]
    scores.sort(key=lambda s: (s.composite is None, -(s.composite or 0), s.unit.path))
    return start, end, scores


def _within(stmt: Select, user: User, query: MetricsQuery) -> Select:
    """The units this user may see, of the level and kind asked for (the stmt joins Unit)."""
    if not user.at_centre:
        stmt = stmt.where(Unit.subtree_clause(user.unit.path))
    if query.level:
        stmt = stmt.where(Unit.level == query.level)
    if query.kind:
        stmt = stmt.where(Unit.kind == query.kind)
    return stmt


def _score(unit: Unit, row) -> UnitScore:
    # PostgreSQL sums to NUMERIC: back to plain numbers, NULL (no rows) to zero.
    total, red_cards, deductions = int(row[1] or 0), int(row[2] or 0), float(row[3] or 0)
    sums = row[4:]
    rates = {r.key: Rate(float(sums[2 * i] or 0), int(sums[2 * i + 1] or 0)) for i, r in enumerate(RATES)}
    return UnitScore(
        unit=unit,
        appeals=total,
        rates=rates,
        red_cards=red_cards,
        deductions=deductions,
        composite=composite(rates, red_cards, deductions),
    )


def composite(rates: dict[str, Rate], red_cards: int, deductions: float = 0.0) -> float | None:
    """Weighted score out of 100 (HOTLINE_SCORE_WEIGHTS, by rate), minus the red-card and
    虚假办结 points, never below zero. None (not ranked) until every weighted rate has data:
    a unit whose appeals are not yet rated must not outrank one that was."""
    weights = {k: w for k, w in current_app.config["HOTLINE_SCORE_WEIGHTS"].items() if w}
    values = {k: rates[k].value for k in weights}
    if not weights or any(v is None for v in values.values()):
        return None
    score = 100 * sum(w * (values[k] or 0.0) for k, w in weights.items()) / sum(weights.values())
    penalty = red_cards * current_app.config["HOTLINE_RED_CARD_PENALTY"] + deductions
    return round(max(score - penalty, 0.0), 2)


class BehindQuery(MetricsQuery, PageQuery):
    unit: str = Field(min_length=1, max_length=32, description="单位编码")
    rate: str = Field(description="指标：" + "、".join(f"{r.key}（{r.label}）" for r in (*RATES, DIRECT_ANSWER)))
    part: Literal["numerator", "denominator"] = Field("denominator", description="分子或分母")

    @field_validator("rate")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in BY_KEY and value != DIRECT_ANSWER.key:
            raise ValueError("没有这个指标")
        return value


@dataclass
class Behind:
    """The appeals behind one figure of one unit, and how many make each side of it."""

    unit: Unit
    rate: RateDef
    appeals: Select  # (Appeal, what it counted), in order of receipt
    among: tuple[ColumnElement[bool], ...]  # the unit's appeals of the period
    at: datetime

    def totals(self) -> dict[str, int]:
        """How many appeals make the denominator, and how many add to the numerator."""
        base = self.rate.base(self.at)
        numerator = func.sum(case((numerator_clause(self.rate, self.at), 1), else_=0))
        row = db.session.execute(select(func.count(), numerator).where(*self.among, base)).one()
        return {"denominator": int(row[0] or 0), "numerator": int(row[1] or 0)}


def appeals_behind(user: User, query: BehindQuery, at: datetime | None = None) -> Behind:
    """The appeals behind one figure of one unit (its denominator, or those adding to its
    numerator), each with what it adds to the numerator, ordered by receipt. 404 for a unit
    the user does not oversee."""
    VIEW_METRICS.require(user)
    at = at or now()
    _, _, since, until = _period(query)
    unit = db.session.scalar(select(Unit).where(Unit.code == query.unit))
    if unit is None or not (user.at_centre or user.unit.contains(unit)):
        raise NotFound("没有这个单位，或不在您的考核范围内")
    rate = BY_KEY.get(query.rate, DIRECT_ANSWER)
    if rate is DIRECT_ANSWER:
        if not unit.is_centre:
            raise NotFound("直接答复率只统计热线中心")
        where = [*_received(since, until)]
    else:
        where = [*_counted(since, until), Appeal.main_unit_id == unit.id]
    part = numerator_clause(rate, at) if query.part == "numerator" else rate.base(at)
    found = select(Appeal, rate.hit().label("counted")).where(*where, part).order_by(Appeal.received_at, Appeal.id)
    return Behind(unit, rate, found, tuple(where), at)


def centre_rates(user: User, query: MetricsQuery, at: datetime | None = None) -> dict[str, Rate]:
    """The centre's own figures (直接答复率), over everything it received in the period."""
    VIEW_METRICS.require(user)
    at = at or now()
    _, _, since, until = _period(query)
    row = db.session.execute(select(*DIRECT_ANSWER.sums(at)).where(*_received(since, until))).one()
    return {DIRECT_ANSWER.key: Rate(float(row[0] or 0), int(row[1] or 0))}
