"""How the API shows appeals: response models and their construction from the models.

Datetimes are ISO 8601 in the centre's time zone, with the offset."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from hotline.appeals.deadlines import SLA_LABELS, contest_due_at, sla_status
from hotline.appeals.models import Appeal, AppealEvent, Contest, Pause, PoliceHandover
from hotline.appeals.states import CITIZEN_EVENTS, EVENT_LABELS, State
from hotline.appeals.visibility import Part, citizen_identity
from hotline.auth.models import User
from hotline.categories.presenters import CategoryRef
from hotline.core.clock import to_local
from hotline.core.pagination import Page
from hotline.grid.presenters import UnitRef

SlaStatus = Literal["on_time", "warning", "overdue"]


class Sla(BaseModel):
    status: SlaStatus | None = Field(description="正常 on_time / 临期 warning / 超期 overdue；无计时为 null")
    label: str | None
    due_at: datetime | None
    warn_at: datetime | None


class Citizen(BaseModel):
    name: str | None
    phone: str | None
    address: str | None
    masked: bool = Field(description="true: 无权查看完整身份信息，已脱敏")


class Enterprise(BaseModel):
    name: str | None
    credit_code: str | None


class Deadlines(BaseModel):
    dispatch_due_at: datetime | None = Field(description="热线中心派单时限")
    sign_due_at: datetime | None
    return_due_at: datetime | None
    due_at: datetime | None
    review_due_at: datetime | None = Field(description="热线中心审核反馈的时限")
    visit_due_at: datetime | None
    contest_due_at: datetime | None = Field(description="主办单位申诉复核的时限（评价或结案后）")


class HandoverOut(BaseModel):
    direction: Literal["to_110", "from_110"] = Field(description="to_110：转110；from_110：110转入")
    incident_number: str | None = Field(description="110警情编号")
    handed_at: datetime = Field(description="转接时间")
    desk: str | None = Field(description="对方席位（110接警员或席位）")
    reason: str | None = Field(description="转接原因")
    receipt_at: datetime | None = Field(description="对方回执时间")
    feedback: str | None = Field(description="110处置反馈")
    feedback_at: datetime | None

    @classmethod
    def of(cls, h: PoliceHandover) -> HandoverOut:
        return cls(
            direction=h.direction,
            incident_number=h.incident_number,
            handed_at=to_local(h.handed_at),
            desk=h.desk,
            reason=h.reason,
            receipt_at=to_local(h.receipt_at),
            feedback=h.feedback,
            feedback_at=to_local(h.feedback_at),
        )


class ContestOut(BaseModel):
    kind: str = Field(description="评价申诉 / 不合理诉求 / 最终答复")
    basis: str
    unit: UnitRef
    rating: str | None = Field(description="被申诉的评价（评价申诉）")
    status: Literal["pending", "upheld", "dismissed"] = Field(description="待复核 / 申诉成立 / 申诉不成立")
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str | None = Field(description="复核意见")

    @classmethod
    def of(cls, c: Contest) -> ContestOut:
        return cls(
            kind=c.kind,
            basis=c.basis,
            unit=UnitRef.of(c.unit),
            rating=c.satisfaction,
            status=c.status,
            requested_at=to_local(c.requested_at),
            decided_at=to_local(c.decided_at),
            decision_note=c.decision_note,
        )


class PauseOut(BaseModel):
    status: Literal["pending", "active"] = Field(description="pending：待审批；active：挂起中")
    kind: str = Field(description="挂起类型")
    reason: str
    resume_at: datetime = Field(description="预计恢复（该日零时）")
    requested_at: datetime
    due_at_paused: datetime | None = Field(description="挂起时的办结时限（恢复时照还剩余时间）")

    @classmethod
    def of(cls, p: Pause | None) -> PauseOut | None:
        if p is None:
            return None
        return cls(
            status="active" if p.status == "active" else "pending",
            kind=p.kind,
            reason=p.reason,
            resume_at=to_local(p.resume_at),
            requested_at=to_local(p.requested_at),
            due_at_paused=to_local(p.due_at_paused),
        )


class Counters(BaseModel):
    dispatches: int
    returns: int
    reopens: int
    extensions: int
    visit_attempts: int = Field(description="本轮回访未联系上的次数（不同时段计）")


class Outcome(BaseModel):
    result: str | None
    public_reply: str | None
    reply_resolved: str | None = Field(description="承办单位自报的解决情况")
    resolved: str | None = Field(description="回访时市民确认的解决情况")
    satisfaction: str | None = Field(description="非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意，或未评价")
    contacted: bool | None = Field(None, description="市民确认承办单位是否联系过本人（是否联系过您）")
    rated_by: Literal["visit", "citizen"] | None = Field(None, description="visit：回访员回访；citizen：市民自行评价")
    assessment_excluded: bool = Field(False, description="申诉复核成立，不纳入承办单位考核")
    knowledge_entry_id: int | None = Field(None, description="直接答复所依据的知识库条目")
    knowledge_version: int | None = Field(None, description="该条目当时的版本")

    @classmethod
    def withheld(cls) -> Outcome:
        """For a unit the appeal has left: the next unit's reply is not its business."""
        return cls(result=None, public_reply=None, reply_resolved=None, resolved=None, satisfaction=None)


class EventOut(BaseModel):
    id: int
    at: datetime
    action: str
    action_label: str
    from_state: str | None
    to_state: str
    actor: str | None
    unit: UnitRef | None
    target_unit: UnitRef | None
    note: str | None
    payload: dict

    @classmethod
    def of(cls, e: AppealEvent) -> EventOut:
        return cls(
            id=e.id,
            at=to_local(e.at),
            action=e.action,
            action_label=EVENT_LABELS.get(e.action, e.action),
            from_state=e.from_state,
            to_state=e.to_state,
            actor=e.actor.display_name if e.actor else _anonymous_actor(e),
            unit=UnitRef.of(e.unit),
            target_unit=UnitRef.of(e.target_unit),
            note=e.note,
            payload=e.payload,
        )


def _anonymous_actor(e: AppealEvent) -> str:
    return "市民" if e.action in CITIZEN_EVENTS else "系统"


class AppealSummary(BaseModel):
    id: int
    number: str
    channel: str
    type: str
    category: CategoryRef
    urgency: str
    title: str
    state: str
    state_label: str
    current_unit: UnitRef | None
    is_confidential: bool
    is_enterprise: bool
    received_at: datetime
    due_at: datetime | None
    sla: Sla
    version: int

    @classmethod
    def fields_of(cls, a: Appeal, at: datetime) -> dict:
        status = sla_status(a, at)
        return {
            "id": a.id,
            "number": a.number,
            "channel": a.channel,
            "type": a.type,
            "category": CategoryRef.of(a.category),
            "urgency": a.urgency,
            "title": a.title,
            "state": a.state,
            "state_label": State(a.state).label,
            "current_unit": UnitRef.of(a.current_unit),
            "is_confidential": a.is_confidential,
            "is_enterprise": a.is_enterprise,
            "received_at": to_local(a.received_at),
            "due_at": to_local(a.due_at),
            "sla": Sla(
                status=status,
                label=SLA_LABELS[status] if status else None,
                due_at=to_local(a.sla_due_at),
                warn_at=to_local(a.sla_warn_at),
            ),
            "version": a.version,
        }

    @classmethod
    def of(cls, a: Appeal, at: datetime) -> AppealSummary:
        return cls(**cls.fields_of(a, at))


class AppealPage(Page):
    items: list[AppealSummary]


class AppealDetail(AppealSummary):
    content: str
    citizen: Citizen
    is_anonymous: bool
    enterprise: Enterprise | None
    address: str | None
    lat: float | None
    lon: float | None
    main_unit: UnitRef | None
    co_units: list[UnitRef]
    designated: bool
    supervision_level: Literal["yellow", "red"] | None
    deadlines: Deadlines
    pause: PauseOut | None = Field(description="挂起中或待审批的挂起")
    contests: list[ContestOut] = Field(description="主办单位的申诉复核及其结果")
    police_incident: str | None = Field(description="110警情编号（110转入、转110或先行受理）")
    held_first: bool = Field(description="先行受理：职责不清时由热线中心先行受理")
    police_handovers: list[HandoverOut] = Field(description="与110的转接记录（热线中心可见）")
    counters: Counters
    outcome: Outcome
    merged_into: str | None = Field(description="并入的主工单编号")
    void_reason: str | None
    created_at: datetime
    closed_at: datetime | None
    allowed_actions: list[str] = Field(description="当前用户现在可以执行的操作")
    events: list[EventOut]

    @classmethod
    def of_viewer(cls, a: Appeal, viewer: User, at: datetime, allowed_actions: list[str]) -> AppealDetail:
        part = Part.of(viewer, a)
        return cls(
            **cls.fields_of(a, at),
            content=a.content,
            citizen=Citizen(**citizen_identity(viewer, a)),
            is_anonymous=a.is_anonymous,
            enterprise=Enterprise(name=a.enterprise_name, credit_code=a.enterprise_credit_code)
            if a.is_enterprise
            else None,
            address=a.address,
            lat=a.lat,
            lon=a.lon,
            main_unit=UnitRef.of(a.main_unit),
            co_units=[UnitRef.of(c.unit) for c in a.co_units],
            designated=a.designated,
            supervision_level=a.supervision_level,
            deadlines=Deadlines(
                dispatch_due_at=to_local(a.dispatch_due_at),
                review_due_at=to_local(a.review_due_at),
                sign_due_at=to_local(a.sign_due_at),
                return_due_at=to_local(a.return_due_at),
                due_at=to_local(a.due_at),
                visit_due_at=to_local(a.visit_due_at),
                contest_due_at=to_local(contest_due_at(a)),
            ),
            pause=PauseOut.of(a.running_pause or a.pending_pause),
            contests=[ContestOut.of(c) for c in a.contests] if part.whole else [],
            police_incident=a.police_incident,
            held_first=a.held_first,
            police_handovers=[HandoverOut.of(h) for h in a.police_handovers] if viewer.at_centre else [],
            counters=Counters(
                dispatches=a.dispatch_count,
                returns=a.return_count,
                reopens=a.reopen_count,
                extensions=a.extension_count,
                visit_attempts=a.visit_attempts,
            ),
            outcome=Outcome(
                result=a.result,
                public_reply=a.public_reply,
                reply_resolved=a.reply_resolved,
                resolved=a.resolved,
                satisfaction=a.satisfaction,
                contacted=a.citizen_contacted,
                rated_by=a.rated_via,
                assessment_excluded=a.assessment_excluded,
                knowledge_entry_id=a.knowledge_entry_id,
                knowledge_version=a.knowledge_version,
            )
            if part.whole
            else Outcome.withheld(),
            merged_into=a.merged_into.number if a.merged_into else None,
            void_reason=a.void_reason,
            created_at=to_local(a.created_at),
            closed_at=to_local(a.closed_at),
            allowed_actions=allowed_actions,
            events=[EventOut.of(e) for e in part.events(a)],
        )
