"""The assessment table as JSON."""

from __future__ import annotations

from datetime import date

from flask import current_app
from pydantic import BaseModel, Field

from hotline.appeals.presenters import UnitRef
from hotline.metrics import operations
from hotline.metrics.operations import MetricsQuery, Rate, UnitScore
from hotline.web.api import api


class RateOut(BaseModel):
    value: float | None = Field(description="0–1；分母为0时为 null")
    numerator: float
    denominator: int

    @classmethod
    def of(cls, rate: Rate) -> RateOut:
        return cls(value=rate.value, numerator=rate.numerator, denominator=rate.denominator)


class UnitScoreOut(BaseModel):
    unit: UnitRef
    level: str
    appeals: int = Field(description="统计期内受理、由该单位主办的诉求数（并单计一次）")
    signing: RateOut = Field(description="及时签收率")
    response: RateOut = Field(description="响应率：按时首次联系市民")
    on_time: RateOut = Field(description="按期办结率")
    resolution: RateOut = Field(description="解决率：解决 + 0.5 × 部分解决")
    satisfaction: RateOut = Field(description="满意率：非常满意 + 满意 + 0.8 × 基本满意")
    red_cards: int
    deductions: float = Field(description="虚假办结（现场核查或监督发现）的扣分")
    composite: float | None = Field(description="综合得分（百分制，已扣除红牌和虚假办结扣分）")

    @classmethod
    def of(cls, s: UnitScore) -> UnitScoreOut:
        return cls(
            unit=UnitRef.of(s.unit),
            level=s.unit.level,
            appeals=s.appeals,
            signing=RateOut.of(s.signing),
            response=RateOut.of(s.response),
            on_time=RateOut.of(s.on_time),
            resolution=RateOut.of(s.resolution),
            satisfaction=RateOut.of(s.satisfaction),
            red_cards=s.red_cards,
            deductions=s.deductions,
            composite=s.composite,
        )


class MetricsOut(BaseModel):
    start: date
    end: date
    weights: dict[str, float] = Field(description="综合得分权重（%）")
    red_card_penalty: float = Field(description="每张红牌扣分")
    items: list[UnitScoreOut]


@api.endpoint(
    "GET",
    "/metrics",
    summary="考核指标：按主办单位统计签收、响应、办结、解决、满意与综合得分",
    query=MetricsQuery,
    response=MetricsOut,
    tags=("metrics",),
    errors=(403,),
)
def get_metrics(user, query: MetricsQuery):
    start, end, scores = operations.assess(user, query)
    return MetricsOut(
        start=start,
        end=end,
        weights=current_app.config["HOTLINE_SCORE_WEIGHTS"],
        red_card_penalty=current_app.config["HOTLINE_RED_CARD_PENALTY"],
        items=[UnitScoreOut.of(s) for s in scores],
    )
