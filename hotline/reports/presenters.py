"""What a citizen is shown of their report: where it stands, in their words."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotline.appeals.models import Appeal
from hotline.categories.presenters import CategoryRef
from hotline.core.clock import to_local
from hotline.core.vocabulary import UNRATED
from hotline.reports import operations
from hotline.reports.operations import CLOSED_STATES, STAGES


class Milestone(BaseModel):
    at: datetime
    text: str


class Rating(BaseModel):
    satisfaction: str = Field(description="非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意")
    resolved: str | None = Field(description="解决 / 部分解决 / 未解决")
    contacted: bool | None = Field(description="承办单位是否联系过您")
    by_citizen: bool = Field(description="市民自行评价（否则为回访员回访）")

    @classmethod
    def of(cls, a: Appeal) -> Rating | None:
        if a.satisfaction == UNRATED:
            return None
        return cls(
            satisfaction=a.satisfaction,
            resolved=a.resolved,
            contacted=a.citizen_contacted,
            by_citizen=a.rated_via == "citizen",
        )


class ReportStatus(BaseModel):
    number: str
    title: str
    category: CategoryRef
    stage: str = Field(description="已受理 / 办理中 / 暂缓办理 / 已办结 / 已合并 / 不予受理")
    closed: bool
    unit: str | None = Field(description="承办单位")
    received_at: datetime
    expected_at: datetime | None = Field(description="承诺办结时间（暂缓办理期间为空，恢复后重新计算）")
    public_reply: str | None = Field(description="答复")
    milestones: list[Milestone]
    can_rate: bool = Field(description="现在可以评价（办结答复后、回访前或未联系上时）")
    rating: Rating | None = Field(description="本轮的评价")

    @classmethod
    def of(cls, a: Appeal) -> ReportStatus:
        unit = a.main_unit or a.current_unit
        return cls(
            number=a.number,
            title=a.title,
            category=CategoryRef.of(a.category),
            stage=STAGES[a.state],
            closed=a.state in CLOSED_STATES,
            unit=unit.name if unit else None,
            received_at=to_local(a.received_at),
            expected_at=to_local(a.due_at) if a.state != "paused" else None,
            public_reply=a.public_reply if a.state in CLOSED_STATES else None,
            milestones=[Milestone(at=to_local(e.at), text=text) for e, text in operations.milestones(a)],
            can_rate=operations.may_rate(a),
            rating=Rating.of(a) if a.state in CLOSED_STATES else None,
        )
