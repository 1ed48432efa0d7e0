"""Campaign ledgers: creating campaigns, enrolling appeals (by rule or by hand), editing
items, measuring progress in SQL, daily snapshots and the .xlsx export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import Field, model_validator
from sqlalchemy import and_, delete, func, or_, select

from hotline.appeals.models import Appeal, AppealEvent
from hotline.appeals.states import OPEN_STATES
from hotline.auth.models import User
from hotline.categories.models import Category
from hotline.core import audit
from hotline.core.clock import local_date, local_today, month_of, now, start_of
from hotline.core.db import upsert, write_transaction
from hotline.core.errors import BadRequest, Conflict, NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Permission, at_centre
from hotline.core.validation import Body, FieldErrors, SaneDate, YearMonth, invalid, validate
from hotline.core.vocabulary import GOOD_RATINGS, POOR_RATINGS
from hotline.ledger.models import Campaign, CampaignItem, UnitProgress

# A close counts only once the citizen's return visit or the centre's oversight passed it.
CLOSED = or_(Appeal.state == "evaluated", and_(Appeal.state == "auditing", Appeal.satisfaction.in_(GOOD_RATINGS)))
RULES = {
    "open_days": "受理后超过 N 天仍未办结",
    "dissatisfied_twice": "回访或评价两次及以上不满意",
    "enterprise_unresolved": "涉企诉求未解决",
    "repeat_callers": "同一问题 N 人及以上反映（含并单）",
    "topic": "每月一题：该类诉求（台账期内受理的，及此前受理仍未办结的）",
}
TOPIC = "每月一题"
FREQUENT_SHOWN = 10  # the high-frequency list 每月一题 is picked from


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
    rule: Literal["open_days", "dissatisfied_twice", "enterprise_unresolved", "repeat_callers", "topic"] | None = None
    days: int = Field(30, ge=1, le=3650, description="open_days：超过的天数")
    callers: int = Field(3, ge=2, le=100, description="repeat_callers：反映人数")
    category: str | None = Field(None, max_length=16, title="诉求分类", description="topic：分类编码（含下级分类）")
    numbers: list[str] = Field(default_factory=list, max_length=1000, description="手动纳入的工单编号")
    leader: str | None = Field(None, max_length=50, description="责任领导（缺省为牵头人）")
    target_date: SaneDate | None = Field(None, description="办结目标日期（缺省为台账截止日）")

    @model_validator(mode="after")
    def _one_way(self):
        if (self.rule is None) == (not self.numbers):
            raise FieldErrors({"rule": "规则（rule）与工单编号（numbers）二选一"})
        if self.rule == "topic" and not self.category:
            raise FieldErrors({"category": "按每月一题纳入时必须选择诉求分类"})
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


def _rule_query(body: EnrollBody, campaign: Campaign, at: datetime):
    """Appeal ids that a rule enrols."""
    if body.rule == "topic":
        return _topic_query(body.category or "", campaign)
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
                raise invalid("numbers", f"没有这些工单：{', '.join(missing[:10])}", "纳入条件")
            ids, how = list(found.values()), "手动"
        else:
            assert body.rule is not None, "EnrollBody asks for a rule or numbers"
            if body.rule == "topic" and _category(body.category or "") is None:
                raise BadRequest("纳入条件有误：诉求分类：没有这个分类", fields={"category": "没有这个分类"})
            ids = list(db.session.scalars(_rule_query(body, campaign, at)))
            how = RULES[body.rule].replace("N", str(body.days if body.rule == "open_days" else body.callers))
        added = _add_items(campaign, ids, how, body.leader, body.target_date, actor, at)
        audit.record(actor, "ledger_campaign", campaign.id, "enroll", {"how": how, "added": added})
    return added


def _add_items(
    campaign: Campaign,
    ids: list[int],
    how: str,
    leader: str | None,
    target_date: date | None,
    actor: User | None,
    at: datetime,
) -> int:
    """Add these appeals to the campaign (those in it already stay as they are): how many
    were added."""
    rows = [
        {
            "campaign_id": campaign.id,
            "appeal_id": i,
            "leader": leader or campaign.owner,
            "target_date": target_date or campaign.period_end,
            "enrolled_by": how[:60],
            "enrolled_at": at,
            "enrolled_by_user_id": actor.id if actor else None,
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
    return added


# ---------------------------------------------------------------- 每月一题


def _category(code: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.code == code, Category.active))


def _topic_query(code: str, campaign: Campaign):
    """The appeals of the topic's kind: received in the campaign's period, or before it and
    still open (voided and merged ones are no problems of their own)."""
    kinds = select(Category.id).where(Category.code.startswith(code))
    begins = start_of(campaign.period_start)
    return select(Appeal.id).where(
        Appeal.category_id.in_(kinds),
        Appeal.state.not_in(("voided", "merged")),
        Appeal.received_at < start_of(campaign.period_end + timedelta(days=1)),
        or_(Appeal.received_at >= begins, Appeal.state.in_(OPEN_STATES)),
    )


class FrequentQuery(Body):
    month: YearMonth | None = Field(None, description="统计月份，如 2026-11；缺省为上月")


@dataclass
class Frequent:
    month: date  # its first day
    rows: list[tuple[Category, int]]  # the kinds of problem most appealed about, most first

    @property
    def last(self) -> date:
        return month_of(self.month)[1]


def frequent_problems(user: User, query: FrequentQuery) -> Frequent:
    """The high-frequency list: the kinds of problem appealed about most in a month (the
    centre picks 每月一题 from it)."""
    VIEW_LEDGERS.require(user)
    first = query.month or (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    after = month_of(first)[1] + timedelta(days=1)
    counted = (
        select(Appeal.category_id, func.count().label("n"))
        .where(
            Appeal.received_at >= start_of(first),
            Appeal.received_at < start_of(after),
            Appeal.state.not_in(("voided", "merged")),
        )
        .group_by(Appeal.category_id)
        .order_by(func.count().desc(), Appeal.category_id)
        .limit(FREQUENT_SHOWN)
    ).subquery()
    rows = db.session.execute(
        select(Category, counted.c.n).join(counted, counted.c.category_id == Category.id).order_by(counted.c.n.desc())
    ).all()
    return Frequent(first, [(c, int(n)) for c, n in rows])


class TopicBody(Body):
    category: str = Field(min_length=1, max_length=16, title="诉求分类", description="选题的分类编码")
    month: YearMonth | None = Field(None, description="治理月份，如 2026-12；缺省为本月")
    owner: str = Field("热线中心", min_length=1, max_length=100, title="牵头单位", description="牵头单位或负责人")
    leader: str | None = Field(None, max_length=50, title="责任领导")


def monthly_topic(data, actor: User, at: datetime | None = None) -> Campaign:
    """每月一题: a campaign for one month about one kind of problem, holding its appeals of
    the month and those still open from before; the nightly job adds the month's new ones."""
    MANAGE_LEDGERS.require(actor)
    body = validate(TopicBody, data, "每月一题")
    at = at or now()
    first = body.month or local_today().replace(day=1)
    last = month_of(first)[1]
    with write_transaction(db.session):
        category = _category(body.category)
        if category is None:
            raise BadRequest("每月一题有误：诉求分类：没有这个分类", fields={"category": "没有这个分类"})
        taken = select(Campaign.id).where(Campaign.name == TOPIC, Campaign.period_start == first)
        if db.session.scalar(taken.where(Campaign.topic_category_id == category.id)) is not None:
            raise Conflict(f"{first:%Y年%m月}已选「{category.name}」为每月一题")
        campaign = Campaign(
            name=TOPIC,
            batch=f"{first:%Y年%m月}·{category.name}"[:50],
            period_start=first,
            period_end=last,
            owner=body.owner,
            note=f"从高频诉求中选题：{category.name}（{category.code}）",
            created_by_id=actor.id,
            topic=category,
        )
        db.session.add(campaign)
        db.session.flush()
        ids = list(db.session.scalars(_topic_query(category.code, campaign)))
        added = _add_items(campaign, ids, RULES["topic"], body.leader, None, actor, at)
        audit.record(
            actor, "ledger_campaign", campaign.id, "monthly_topic", {"category": category.code, "added": added}
        )
    return campaign


def enroll_topics(at: datetime | None = None) -> int:
    """The nightly step of every running 每月一题: its new appeals join it. Returns how
    many were added in all."""
    at = at or now()
    today = local_date(at)
    added = 0
    with write_transaction(db.session):
        running = db.session.scalars(
            select(Campaign).where(
                Campaign.topic_category_id.is_not(None), Campaign.period_start <= today, Campaign.period_end >= today
            )
        )
        for campaign in running:
            assert campaign.topic is not None, "a topic campaign names its category"
            ids = list(db.session.scalars(_topic_query(campaign.topic.code, campaign)))
            added += _add_items(campaign, ids, RULES["topic"], None, None, None, at)
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
