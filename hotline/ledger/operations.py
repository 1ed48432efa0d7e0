"""Campaign ledgers: creating campaigns, enrolling appeals (by rule or by hand), editing
items, measuring progress in SQL, daily snapshots and the .xlsx export."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, model_validator
from sqlalchemy import and_, delete, func, or_, select

from hotline.appeals.models import Appeal, AppealEvent
from hotline.appeals.states import OPEN_STATES
from hotline.auth.models import User
from hotline.core import audit
from hotline.core.clock import now
from hotline.core.db import upsert, write_transaction
from hotline.core.errors import BadRequest, NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Permission, at_centre
from hotline.core.validation import Body, FieldErrors, SaneDate, validate
from hotline.core.vocabulary import GOOD_RATINGS, POOR_RATINGS
from hotline.ledger.models import Campaign, CampaignItem, UnitProgress

# A close counts only once the citizen's return visit or the centre's oversight passed it.
CLOSED = or_(Appeal.state == "evaluated", and_(Appeal.state == "auditing", Appeal.satisfaction.in_(GOOD_RATINGS)))
RULES = {
    "open_days": "受理后超过 N 天仍未办结",
    "dissatisfied_twice": "回访或评价两次及以上不满意",
    "enterprise_unresolved": "涉企诉求未解决",
    "repeat_callers": "同一问题 N 人及以上反映（含并单）",
}


# The centre and every supervisor follow the campaigns (each its own area); the centre's
# supervisors run them.
VIEW_LEDGERS = Permission(
    "专项台账供热线中心与各级督办员使用", lambda actor: actor.at_centre or actor.has_role("supervisor")
)
MANAGE_LEDGERS = at_centre("supervisor", refusal="只有热线中心的督办员可以管理台账")


class CampaignBody(Body):
    name: str = Field(min_length=1, max_length=100, description="台账名称，如「万件清理」")
    batch: str = Field(min_length=1, max_length=50, description="批次，如「第一批」")
    period_start: SaneDate
    period_end: SaneDate
    owner: str = Field(min_length=1, max_length=100, description="牵头单位或负责人")
    note: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _period(self):
        if self.period_end < self.period_start:
            raise FieldErrors({"period_end": "结束日期不能早于开始日期"})
        return self


class EnrollBody(Body):
    rule: Literal["open_days", "dissatisfied_twice", "enterprise_unresolved", "repeat_callers"] | None = None
    days: int = Field(30, ge=1, le=3650, description="open_days：超过的天数")
    callers: int = Field(3, ge=2, le=100, description="repeat_callers：反映人数")
    numbers: list[str] = Field(default_factory=list, max_length=1000, description="手动纳入的工单编号")
    leader: str | None = Field(None, max_length=50, description="责任领导（缺省为牵头人）")
    target_date: SaneDate | None = Field(None, description="办结目标日期（缺省为台账截止日）")

    @model_validator(mode="after")
    def _one_way(self):
        if (self.rule is None) == (not self.numbers):
            raise FieldErrors({"rule": "规则（rule）与工单编号（numbers）二选一"})
        return self


class ItemBody(Body):
    leader: str = Field(min_length=1, max_length=50)
    target_date: SaneDate
    note: str | None = Field(None, max_length=1000)


def create_campaign(data, actor: User) -> Campaign:
    MANAGE_LEDGERS.require(actor)
    body = validate(CampaignBody, data, "台账")
    with write_transaction(db.session):
        campaign = Campaign(**body.model_dump(), created_by_id=actor.id)
        db.session.add(campaign)
        db.session.flush()
        audit.record(actor, "ledger_campaign", campaign.id, "create", body.model_dump(mode="json"))
    return campaign


def get_campaign(campaign_id: int, user: User) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not VIEW_LEDGERS.allows(user):
        raise NotFound("没有这个台账")
    return campaign


def list_campaigns(user: User) -> list[Campaign]:
    VIEW_LEDGERS.require(user)
    return list(db.session.scalars(select(Campaign).order_by(Campaign.id.desc())))


def _rule_query(body: EnrollBody, at: datetime):
    """Appeal ids that a rule enrols."""
    if body.rule == "open_days":
        return select(Appeal.id).where(
            Appeal.state.in_(OPEN_STATES), Appeal.received_at < at - timedelta(days=body.days)
        )
    if body.rule == "dissatisfied_twice":
        return (
            select(AppealEvent.appeal_id)
            .where(
                AppealEvent.action.in_(("visit", "rate")),
                AppealEvent.payload["satisfaction"].as_string().in_(POOR_RATINGS),
            )
            .group_by(AppealEvent.appeal_id)
            .having(func.count() >= 2)
        )
    if body.rule == "enterprise_unresolved":
        return select(Appeal.id).where(
            Appeal.is_enterprise,
            Appeal.state.not_in(("merged", "voided")),
            or_(Appeal.state.in_(OPEN_STATES), Appeal.resolved == "未解决"),
        )
    repeats = (
        select(Appeal.merged_into_id)
        .where(Appeal.merged_into_id.is_not(None))
        .group_by(Appeal.merged_into_id)
        .having(func.count() >= body.callers - 1)
    )
    return select(Appeal.id).where(Appeal.id.in_(repeats))


def enroll(campaign_id: int, data, actor: User, at: datetime | None = None) -> int:
    """Add appeals by rule or by number; those already in the campaign stay as they are.
    Returns how many were added."""
    MANAGE_LEDGERS.require(actor)
    body = validate(EnrollBody, data, "纳入条件")
    at = at or now()
    with write_transaction(db.session):
        campaign = get_campaign(campaign_id, actor)
        if body.numbers:
            numbered = select(Appeal.number, Appeal.id).where(Appeal.number.in_(body.numbers))
            found = dict(db.session.execute(numbered).tuples().all())
            missing = [n for n in body.numbers if n not in found]
            if missing:
                raise BadRequest(
                    f"纳入条件有误：numbers：没有这些工单 {', '.join(missing[:10])}",
                    fields={"numbers": f"没有这些工单：{', '.join(missing[:10])}"},
                )
            ids, how = list(found.values()), "手动"
        else:
            assert body.rule is not None, "EnrollBody asks for a rule or numbers"
            ids = list(db.session.scalars(_rule_query(body, at)))
            how = RULES[body.rule].replace("N", str(body.days if body.rule == "open_days" else body.callers))
        rows = [
            {
                "campaign_id": campaign.id,
                "appeal_id": i,
                "leader": body.leader or campaign.owner,
                "target_date": body.target_date or campaign.period_end,
                "enrolled_by": how[:60],
                "enrolled_at": at,
                "enrolled_by_user_id": actor.id,
            }
            for i in ids
        ]
        added = 0
        if rows:
            result = db.session.execute(
                upsert(db.session, CampaignItem)
                .on_conflict_do_nothing(index_elements=["campaign_id", "appeal_id"])
                .returning(CampaignItem.id),
                rows,
            )
            added = len(result.all())
        if added:
            forget_counts(campaign.id)
        audit.record(actor, "ledger_campaign", campaign.id, "enroll", {"how": how, "added": added})
    return added


def forget_counts(campaign_id: int) -> None:
    """The items changed: the scheduler's per-unit counts no longer hold (views count live
    until it counts again)."""
    db.session.execute(delete(UnitProgress).where(UnitProgress.campaign_id == campaign_id))


def update_item(campaign_id: int, item_id: int, data, actor: User) -> CampaignItem:
    MANAGE_LEDGERS.require(actor)
    body = validate(ItemBody, data, "台账事项")
    with write_transaction(db.session):
        item = db.session.get(CampaignItem, item_id)
        if item is None or item.campaign_id != campaign_id:
            raise NotFound("没有这个台账事项")
        before = {"leader": item.leader, "target_date": item.target_date.isoformat(), "note": item.note}
        item.leader, item.target_date, item.note = body.leader, body.target_date, body.note
        forget_counts(campaign_id)  # its target date decides whether it is overdue
        audit.record(actor, "ledger_item", item.id, "update", {"before": before, "after": body.model_dump(mode="json")})
    return item
