"""The assessment as JSON: every unit's rates with their numerators and denominators, the
definitions they follow, and the appeals behind any figure."""

from __future__ import annotations

from datetime import date

from flask import current_app
from pydantic import BaseModel, Field, create_model

from hotline.appeals.presenters import AppealSummary, UnitRef
from hotline.core.clock import now
from hotline.core.pagination import Page, paginate
from hotline.metrics import operations, ranking
from hotline.metrics.operations import BehindQuery, MetricsQuery, Rate, ScoredUnit, UnitScore
from hotline.metrics.rates import DIRECT_ANSWER, RATES, RateDef, formula
from hotline.web.api import api


class RateOut(BaseModel):
    value: float | None = Field(description="0–1；分母为0时为 null")
    numerator: float
    denominator: int

    @classmethod
    def of(cls, rate: Rate) -> RateOut:
        return cls(value=rate.value, numerator=rate.numerator, denominator=rate.denominator)


class DefinitionOut(BaseModel):
    key: str
    label: str
    formula: str

    @classmethod
    def of(cls, rate: RateDef) -> DefinitionOut:
        return cls(key=rate.key, label=rate.label, formula=formula(rate))


# One field per rate, named by its key (signing, response, on_time …).
RatesOut = create_model(  # type: ignore[call-overload]
    "RatesOut", **{r.key: (RateOut, Field(description=f"{r.label}：{r.formula or '见 definitions'}")) for r in RATES}
)


def _ref(unit: ScoredUnit) -> UnitRef:
    return UnitRef(id=unit.id, code=unit.code, name=unit.name)


class UnitScoreOut(BaseModel):
    unit: UnitRef
    level: str
    appeals: int = Field(description="统计期内受理、由该单位主办的诉求数（并单计一次，申诉成立的不计）")
    rates: RatesOut
    red_cards: int
    deductions: float = Field(description="虚假办结（现场核查或监督发现）的扣分")
    composite: float | None = Field(description="综合得分（百分制，已扣除红牌和虚假办结扣分）")

    @classmethod
    def of(cls, s: UnitScore) -> UnitScoreOut:
        return cls(
            unit=_ref(s.unit),
            level=s.unit.level,
            appeals=s.appeals,
            rates=RatesOut(**{k: RateOut.of(r) for k, r in s.rates.items()}),
            red_cards=s.red_cards,
            deductions=s.deductions,
            composite=s.composite,
        )


class MetricsOut(BaseModel):
    start: date
    end: date
    definitions: list[DefinitionOut] = Field(description="各项指标的口径")
    weights: dict[str, float] = Field(description="综合得分权重（%），按指标")
    red_card_penalty: float = Field(description="每张红牌扣分")
    centre: dict[str, RateOut] = Field(description="热线中心自身的指标（直接答复率；仅热线中心可见）")
    items: list[UnitScoreOut]


@api.endpoint(
    "GET",
    "/metrics",
    summary="考核指标：按主办单位统计各项指标（分子、分母）与综合得分",
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
        definitions=[DefinitionOut.of(r) for r in (*RATES, DIRECT_ANSWER)],
        weights=current_app.config["HOTLINE_SCORE_WEIGHTS"],
        red_card_penalty=current_app.config["HOTLINE_RED_CARD_PENALTY"],
        centre={k: RateOut.of(r) for k, r in operations.centre_rates(user, query).items()} if user.at_centre else {},
        items=[UnitScoreOut.of(s) for s in scores],
    )


class BehindItem(BaseModel):
    appeal: AppealSummary
    counted: float = Field(description="计入分子的分值（0–1；如基本满意 0.8）")


class BehindOut(Page):
    unit: UnitRef
    rate: DefinitionOut
    part: str = Field(description="numerator：计入分子的；denominator：分母的全部")
    items: list[BehindItem]


@api.endpoint(
    "GET",
    "/metrics/appeals",
    summary="某单位某项指标背后的诉求：分母的全部，或计入分子的",
    query=BehindQuery,
    response=BehindOut,
    tags=("metrics",),
    errors=(403, 404),
)
def appeals_behind(user, query: BehindQuery):
    at = now()
    behind = operations.appeals_behind(user, query)
    items, page = paginate(behind.appeals, query)
    return BehindOut(
        unit=UnitRef.of(behind.unit),
        rate=DefinitionOut.of(behind.rate),
        part=query.part,
        items=[BehindItem(appeal=AppealSummary.of(a, at), counted=float(counted)) for a, counted in items],
        **page,
    )


class RankedOut(BaseModel):
    rank: int
    unit: UnitRef
    appeals: int
    composite: float
    previous: float | None = Field(description="上一统计期的综合得分")
    change: float | None = Field(description="环比：与上一统计期之差")
    board: str | None = Field(description="红榜 / 黑榜")


class GroupOut(BaseModel):
    key: str = Field(description="area:<层级>、department:<层级> 或 grids:<社区编码>")
    title: str
    ranked: list[RankedOut]
    unranked: list[UnitRef] = Field(description="件数不足或指标无数据、不参与排名的单位")


class RankingOut(BaseModel):
    start: date
    end: date
    min_appeals: int = Field(description="参与排名的最低件数")
    groups: list[GroupOut]


@api.endpoint(
    "GET",
    "/metrics/ranking",
    summary="分级分类排名：同层级同类别单位之间排名，红黑榜与环比",
    query=MetricsQuery,
    response=RankingOut,
    tags=("metrics",),
    errors=(403,),
)
def get_ranking(user, query: MetricsQuery):
    start, end, groups = ranking.rank(user, query)
    return RankingOut(
        start=start,
        end=end,
        min_appeals=current_app.config["HOTLINE_RANK_MIN_APPEALS"],
        groups=[
            GroupOut(
                key=g.key,
                title=g.title,
                ranked=[
                    RankedOut(
                        rank=r.rank,
                        unit=_ref(r.score.unit),
                        appeals=r.score.appeals,
                        composite=r.score.composite or 0.0,
                        previous=r.previous,
                        change=r.change,
                        board=r.board,
                    )
                    for r in g.ranked
                ],
                unranked=[_ref(s.unit) for s in g.unranked],
            )
            for g in groups
        ],
    )
