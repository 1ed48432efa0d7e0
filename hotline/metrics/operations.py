"""Assessment of units: per main handling unit and period, every rate of `rates.RATES`
(及时签收率, 响应率, 按期办结率, 解决率, 满意率, 回访率, 一次办结率, 重复诉求率, 退单率, 重办率,
each a numerator over a denominator) over the appeals evaluated in the period (评价: the loop
closed, the figures final), summed from their stored contributions (`contributions`), and
the composite: the rates weighted by HOTLINE_SCORE_WEIGHTS minus points per red card and
for 虚假办结. The appeals behind any figure are listed by `appeals_behind`.

Merged repeats are never evaluated, so each problem counts once (on its master); appeals
whose 申诉复核 was upheld (不合理诉求, 最终答复, a contested 差评) do not count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import cached_property
from typing import Any, Literal

from flask import current_app
from pydantic import Field, field_validator, model_validator
from sqlalchemy import ColumnElement, Select, case, func, select

from hotline.appeals.models import Appeal
from hotline.auth.models import User
from hotline.core.clock import local_today
from hotline.core.clock import months as calendar_months
from hotline.core.db import plain_rows
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.pagination import PageQuery
from hotline.core.permissions import holding
from hotline.core.validation import Body, FieldErrors, SaneDate
from hotline.core.vocabulary import UNIT_KINDS, UNIT_LEVELS
from hotline.grid.models import Unit
from hotline.metrics.contributions import summed
from hotline.metrics.models import contributions
from hotline.metrics.rates import ALL_RATES, BY_KEY, DIRECT_ANSWER, RATES, RateDef

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


@dataclass(slots=True)
class Rate:
    numerator: float
    denominator: int

    @property
    def value(self) -> float | None:
        return rate_value(self.numerator, self.denominator)


def rate_value(numerator: float, denominator: int) -> float | None:
    """A rate as shown and weighed: to four places (exactly as round(value, 4)), None without
    a denominator."""
    if not denominator:
        return None
    # round(x, 4) converts x to decimal digits and back: a ranking of a province's units
    # spent a fifth of its time there. Scaled to whole ten-thousandths, rounding to an
    # integer gives the same digits unless the scaled value lies at a half, where the
    # scaling's own rounding error could decide (and round() would go to the even one):
    # those few go the exact way.
    value = numerator / denominator
    shifted = value * 10_000 + 0.5  # rates are never negative: int() floors it
    whole = int(shifted)
    if not 1e-6 < shifted - whole < 1 - 1e-6:
        return round(value, 4)
    return whole / 10_000


@dataclass(frozen=True, slots=True)
class ScoredUnit:
    """What a score tells of its unit: who it is, and where it stands for the ranking."""

    id: int
    code: str
    name: str
    level: str
    kind: str
    parent_id: int | None
    path: str


SCORED_UNIT = tuple(f.name for f in fields(ScoredUnit))  # the Unit columns a score reads


@dataclass
class UnitScore:
    unit: ScoredUnit
    appeals: int
    red_cards: int
    deductions: float  # 虚假办结 points
    composite: float | None
    _sums: Sequence[Any] = field(repr=False)  # the row of sums the rates are read from
    _scorer: _Scorer = field(repr=False)

    @cached_property
    def rates(self) -> dict[str, Rate]:
        """Every rate, by RateDef.key (made when asked for: a ranking shows composites)."""
        return self._scorer.rates(self._sums)


VIEW_METRICS = holding("admin", "supervisor", refusal="只有督办员和系统管理员可以查看考核指标")


def assess(user: User, query: MetricsQuery, *, rates: bool = True) -> tuple[date, date, list[UnitScore]]:
    """Scores of the units this user oversees (the whole organisation from the centre, else
    the user's own subtree), best composite first: every rate of `rates.RATES` summed from
    the stored contributions of the appeals evaluated in the period (`rates` False: only
    the weighted ones, what the composites need)."""
    VIEW_METRICS.require(user)
    start, end = query.period()
    weights = Weights.configured()
    every = summed(start, end, _within(user, query)).subquery()
    sums = every.c if rates else [every.c[name] for name in _composite_columns(weights)]
    # Each unit with its sums in one statement, as plain rows: a province has 2,000 units
    # to score, and loading them as ORM objects cost more than summing their figures.
    named = select(*(getattr(Unit, f) for f in SCORED_UNIT), *sums).join(every, every.c.unit_id == Unit.id)
    result = plain_rows(db.session, named)
    score = _Scorer(list(result.keys()), weights)
    width = len(SCORED_UNIT)
    scores = [score(ScoredUnit(*row[:width]), row) for row in result.all()]
    scores.sort(key=lambda s: (s.composite is None, -(s.composite or 0), s.unit.path))
    return start, end, scores


def composites(user: User, query: MetricsQuery) -> dict[int, float | None]:
    """Each unit's composite alone, by unit id (what the ranking shows of the month before):
    the same sums as `assess`, no units loaded."""
    VIEW_METRICS.require(user)
    weights = Weights.configured()
    every = summed(*query.period(), _within(user, query)).subquery()
    result = plain_rows(db.session, select(*(every.c[name] for name in _composite_columns(weights))))
    score = _Scorer(list(result.keys()), weights)
    return {row[0]: score.composite(row) for row in result.all()}


def _composite_columns(weights: Weights) -> list[str]:
    """The sums a composite needs: the unit, its totals and its weighted rates' parts."""
    return ["unit_id", "appeals", "red_cards", "deductions"] + [
        f"{key}_{part}" for key in weights.by_rate for part in ("num", "den")
    ]


def _within(user: User, query: MetricsQuery) -> list[ColumnElement[bool]]:
    """The units this user may see, of the level and kind asked for; never the centre,
    which is scored on its own figures (`centre_rates`)."""
    within = [Unit.kind != "centre"]
    if not user.at_centre:
        within.append(Unit.subtree_clause(user.unit.path))
    if query.level:
        within.append(Unit.level == query.level)
    if query.kind:
        within.append(Unit.kind == query.kind)
    return within


class _Scorer:
    """A unit's score from its row of sums, by column position (a row's mapping is slow to
    look up 2,000 times a page)."""

    def __init__(self, columns: list[str], weights: Weights) -> None:
        at = {name: i for i, name in enumerate(columns)}
        self.totals = at["appeals"], at["red_cards"], at["deductions"]
        # Those of the rates the statement read (a composite alone needs the weighted ones).
        self.rate_columns = tuple(
            (r.key, at[f"{r.key}_num"], at[f"{r.key}_den"]) for r in RATES if f"{r.key}_num" in at
        )
        self.weights = weights
        # (weight, numerator's column, denominator's column) of each weighted rate
        self.weighted = tuple((weights.by_rate[key], at[f"{key}_num"], at[f"{key}_den"]) for key in weights.by_rate)

    def __call__(self, unit: ScoredUnit, row: Sequence[Any]) -> UnitScore:
        appeals, red_cards, deductions = self._totals(row)
        return UnitScore(unit, appeals, red_cards, deductions, self._composite(row, red_cards, deductions), row, self)

    def composite(self, row: Sequence[Any]) -> float | None:
        _, red_cards, deductions = self._totals(row)
        return self._composite(row, red_cards, deductions)

    def _composite(self, row: Sequence[Any], red_cards: int, deductions: float) -> float | None:
        """None (not ranked) until every weighted rate has data: a unit whose appeals are not
        yet rated must not outrank one that was."""
        total = 0.0
        for weight, num, den in self.weighted:
            value = rate_value(float(row[num] or 0), int(row[den] or 0))
            if value is None:
                return None
            total += weight * value
        return self.weights.composite(total, red_cards, deductions)

    # PostgreSQL sums to NUMERIC: back to plain numbers, NULL (no rows) to zero.
    def _totals(self, row: Sequence[Any]) -> tuple[int, int, float]:
        appeals, red_cards, deductions = self.totals
        return int(row[appeals] or 0), int(row[red_cards] or 0), float(row[deductions] or 0)

    def rates(self, row: Sequence[Any]) -> dict[str, Rate]:
        return {key: Rate(float(row[num] or 0), int(row[den] or 0)) for key, num, den in self.rate_columns}


@dataclass(frozen=True, slots=True)
class Weights:
    """The composite's settings, read once per assessment rather than once per unit."""

    by_rate: dict[str, float]  # HOTLINE_SCORE_WEIGHTS without the zero weights
    red_card_penalty: float
    total: float  # of the weights

    @classmethod
    def configured(cls) -> Weights:
        config = current_app.config
        weights = {k: w for k, w in config["HOTLINE_SCORE_WEIGHTS"].items() if w}
        return cls(weights, config["HOTLINE_RED_CARD_PENALTY"], sum(weights.values()))

    def composite(self, weighted: float, red_cards: int, deductions: float = 0.0) -> float | None:
        """The score out of 100 (`weighted`: the sum of each weighted rate's value times its
        weight, HOTLINE_SCORE_WEIGHTS), minus the red-card and 虚假办结 points, never below
        zero; None when no rate is weighted."""
        if not self.by_rate:
            return None
        score = 100 * weighted / self.total
        return round(max(score - red_cards * self.red_card_penalty - deductions, 0.0), 2)


class BehindQuery(MetricsQuery, PageQuery):
    unit: str = Field(min_length=1, max_length=32, description="单位编码")
    rate: str = Field(description="指标：" + "、".join(f"{r.key}（{r.label}）" for r in ALL_RATES))
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
    among: tuple[ColumnElement[bool], ...]  # the contributions of the unit's period

    def totals(self) -> dict[str, int]:
        """How many appeals make the denominator, and how many add to the numerator."""
        numerator, denominator = _parts(self.rate)
        row = db.session.execute(
            select(func.count(), func.sum(case((numerator > 0, 1), else_=0))).where(*self.among, denominator > 0)
        ).one()
        return {"denominator": int(row[0] or 0), "numerator": int(row[1] or 0)}


def _parts(rate: RateDef) -> tuple[ColumnElement[float], ColumnElement[int]]:
    return contributions.c[f"{rate.key}_num"], contributions.c[f"{rate.key}_den"]


def appeals_behind(user: User, query: BehindQuery) -> Behind:
    """The appeals behind one figure of one unit (its denominator, or those adding to its
    numerator), each with what it added to the numerator when it was evaluated, ordered by
    receipt. 404 for a unit the user does not oversee."""
    VIEW_METRICS.require(user)
    start, end = query.period()
    unit = db.session.scalar(select(Unit).where(Unit.code == query.unit))
    if unit is None or not (user.at_centre or user.unit.contains(unit)):
        raise NotFound("没有这个单位，或不在您的考核范围内")
    rate = BY_KEY.get(query.rate, DIRECT_ANSWER)
    among: list[ColumnElement[bool]] = [contributions.c.day.between(start, end)]
    if rate is DIRECT_ANSWER:
        if not unit.is_centre:
            raise NotFound("直接答复率只统计热线中心")
    else:
        among.append(contributions.c.unit_id == unit.id)
    numerator, denominator = _parts(rate)
    found = (
        select(Appeal, numerator.label("counted"))
        .join(contributions, contributions.c.appeal_id == Appeal.id)
        .where(*among, (numerator if query.part == "numerator" else denominator) > 0)
        .order_by(Appeal.received_at, Appeal.id)
    )
    return Behind(unit, rate, found, tuple(among))


def trend(user: User, query: MetricsQuery, months: int = 6) -> list[tuple[date, dict[str, Rate]]]:
    """Every rate of the user's whole area (the units it would see scored), month by month
    for the `months` months up to the period's end, oldest first."""
    VIEW_METRICS.require(user)
    _, end = query.period()
    earliest = end.replace(day=1)
    for _ in range(months - 1):
        earliest = (earliest - timedelta(days=1)).replace(day=1)
    points = []
    for first, last in calendar_months(earliest, end):
        every = summed(first, min(last, end), _within(user, query)).subquery()
        sums = [func.sum(every.c[f"{r.key}_{part}"]) for r in RATES for part in ("num", "den")]
        row = db.session.execute(select(*sums)).one()
        points.append(
            (first, {r.key: Rate(float(row[2 * i] or 0), int(row[2 * i + 1] or 0)) for i, r in enumerate(RATES)})
        )
    return points


def centre_rates(user: User, query: MetricsQuery) -> dict[str, Rate]:
    """The centre's own figures (直接答复率), over everything evaluated in the period."""
    VIEW_METRICS.require(user)
    start, end = query.period()
    every = summed(start, end).subquery()
    key = DIRECT_ANSWER.key
    row = db.session.execute(select(func.sum(every.c[f"{key}_num"]), func.sum(every.c[f"{key}_den"]))).one()
    return {key: Rate(float(row[0] or 0), int(row[1] or 0))}
