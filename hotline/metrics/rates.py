"""The assessment's rates as data: for each, which of a unit's evaluated appeals make its
denominator, and what each of those adds to its numerator (1, 0, or a factor), as SQL over
the appeal at the moment it was evaluated (`at` is its closing time). The two expressions
are evaluated once per appeal into its stored contribution (`contributions.record`), from
which every figure is summed and the appeals behind any figure are listed, so a unit sees
exactly why it scored what it did.

有效回访 is a visit that reached the citizen or a rating the citizen gave (the appeal of
this round is rated). The factors are settings (HOTLINE_RESOLUTION_FACTORS,
HOTLINE_SATISFACTION_FACTORS)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, literal, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from hotline.appeals.models import Appeal
from hotline.core.vocabulary import UNRATED

a = Appeal
Moment = datetime | ColumnElement[Any] | InstrumentedAttribute[Any]
RATED = a.satisfaction != UNRATED  # 有效回访


@dataclass(frozen=True)
class RateDef:
    key: str
    label: str
    formula: str  # shown on the page and in the API
    base: Callable[[Moment], ColumnElement[bool]]  # the appeals of the denominator
    hit: Callable[[], ColumnElement[float]]  # what one of them adds to the numerator

    def parts(self, at: Moment) -> tuple[ColumnElement[float], ColumnElement[int]]:
        """What one appeal adds to its numerator and to its denominator, as of `at`."""
        base = self.base(at)
        return case((base, self.hit()), else_=0.0), case((base, 1), else_=0)


def _one(condition: ColumnElement[bool]) -> ColumnElement[float]:
    return case((condition, 1.0), else_=0.0)


def _weighted(column: InstrumentedAttribute[str | None], factors: dict[str, float]) -> ColumnElement[float]:
    return case(*[(column == k, literal(float(w))) for k, w in factors.items()], else_=0.0)


def _factors(setting: str) -> dict[str, float]:
    return dict(current_app.config[setting])


def _formula_of(setting: str, head: str) -> str:
    parts = [f"{w:g}×{k}" if w != 1 else k for k, w in _factors(setting).items() if w]
    return f"({' + '.join(parts)}) ÷ {head}"


RATES: tuple[RateDef, ...] = (
    RateDef(
        "signing",
        "及时签收率",
        "签收时限内签收 ÷ 应签收",
        lambda at: and_(a.sign_due_at.is_not(None), or_(a.signed_at.is_not(None), a.sign_due_at < at)),
        lambda: _one(a.signed_at <= a.sign_due_at),
    ),
    RateDef(
        "response",
        "响应率",
        "市民确认承办单位及时联系 ÷ 有效回访",
        lambda at: RATED,
        lambda: _one(a.citizen_contacted.is_(True)),
    ),
    RateDef(
        "on_time",
        "按期办结率",
        "办结时限（含批准的延期，挂起期间不计）内反馈 ÷ 应办结",
        lambda at: and_(a.due_at.is_not(None), a.state != "paused", or_(a.replied_at.is_not(None), a.due_at < at)),
        lambda: _one(a.replied_at <= a.due_at),
    ),
    RateDef(
        "resolution",
        "解决率",
        "",  # from its factors
        lambda at: RATED,
        lambda: _weighted(a.resolved, _factors("HOTLINE_RESOLUTION_FACTORS")),
    ),
    RateDef(
        "satisfaction",
        "满意率",
        "",
        lambda at: RATED,
        lambda: _weighted(a.satisfaction, _factors("HOTLINE_SATISFACTION_FACTORS")),
    ),
    RateDef(
        "visit",
        "回访率",
        "有效回访 ÷ 回访期满（已回访或回访时限已过）",
        lambda at: and_(a.approved_at.is_not(None), or_(a.visited_at.is_not(None), a.visit_due_at < at)),
        lambda: _one(RATED),
    ),
    RateDef(
        "first_time",
        "一次办结率",
        "未重办即评价 ÷ 已评价",
        lambda at: a.state == "evaluated",
        lambda: _one(a.reopen_count == 0),
    ),
    RateDef(
        "repeat",
        "重复诉求率",
        "同一问题再次反映（关联重复件） ÷ 诉求数",
        lambda at: true(),
        lambda: _one(a.repeat_of_id.is_not(None)),
    ),
    RateDef(
        "returned",
        "退单率",
        "经审核同意退回的 ÷ 派至本单位的",
        lambda at: a.dispatch_count > 0,
        lambda: _one(a.return_count > 0),
    ),
    RateDef(
        "reopened",
        "重办率",
        "因差评或监督不通过重办 ÷ 已答复并审核通过的",
        lambda at: a.approved_at.is_not(None),
        lambda: _one(a.reopen_count > 0),
    ),
)
BY_KEY = {r.key: r for r in RATES}
# The centre's own: answered at intake (直接答复) among what it received.
DIRECT_ANSWER = RateDef(
    "direct_answer",
    "直接答复率",
    "热线中心直接答复 ÷ 办结的诉求（不含无效、并单）",
    lambda at: a.state.not_in(("voided", "merged")),
    lambda: _one(and_(a.main_unit_id.is_(None), a.dispatch_count == 0, a.approved_at.is_not(None))),
)
ALL_RATES = (*RATES, DIRECT_ANSWER)


def formula(rate: RateDef) -> str:
    """The formula as the page shows it, with the factors now set."""
    if rate.key == "resolution":
        return _formula_of("HOTLINE_RESOLUTION_FACTORS", "有效回访")
    if rate.key == "satisfaction":
        return _formula_of("HOTLINE_SATISFACTION_FACTORS", "有效回访")
    return rate.formula
