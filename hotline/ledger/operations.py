"""Campaign ledgers: creating campaigns, enrolling appeals (by rule or by hand), editing
items, measuring progress in SQL, daily snapshots and the .xlsx export."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import Field, model_validator
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from hotline.appeals.models import Appeal, AppealEvent
from hotline.appeals.states import OPEN_STATES, State
from hotline.appeals.visibility import visible_clause
from hotline.auth.models import User
from hotline.core import audit
from hotline.core.clock import format_local, local_today, now
from hotline.core.db import write_transaction
from hotline.core.errors import BadRequest, NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Permission, at_centre
from hotline.core.validation import Body, FieldErrors, validate
from hotline.core.vocabulary import UNIT_LEVEL_NAMES, UNIT_LEVELS
from hotline.grid.models import Unit
from hotline.ledger.models import Campaign, CampaignItem, CampaignSnapshot

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A close counts only once the citizen's return visit or the centre's oversight passed it.
CLOSED = or_(Appeal.state == "evaluated",
             and_(Appeal.state == "auditing", Appeal.satisfaction.in_(("满意", "基本满意"))))
RULES = {
    "open_days": "受理后超过 N 天仍未办结",
    "dissatisfied_twice": "回访两次及以上不满意",
    "enterprise_unresolved": "涉企诉求未解决",
    "repeat_callers": "同一问题 N 人及以上反映（含并单）",
}


# The centre and every supervisor follow the campaigns (each its own area); the centre's
# supervisors run them.
VIEW_LEDGERS = Permission("专项台账供热线中心与各级督办员使用",
                          lambda actor: actor.at_centre or actor.has_role("supervisor"))
MANAGE_LEDGERS = at_centre("supervisor", refusal="只有热线中心的督办员可以管理台账")


class CampaignBody(Body):
    name: str = Field(min_length=1, max_length=100, description="台账名称，如「万件清理」")
    batch: str = Field(min_length=1, max_length=50, description="批次，如「第一批」")
    period_start: date
    period_end: date
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
    target_date: date | None = Field(None, description="办结目标日期（缺省为台账截止日）")

    @model_validator(mode="after")
    def _one_way(self):
        if (self.rule is None) == (not self.numbers):
            raise FieldErrors({"rule": "规则（rule）与工单编号（numbers）二选一"})
        return self


class ItemBody(Body):
    leader: str = Field(min_length=1, max_length=50)
    target_date: date
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
        return select(Appeal.id).where(Appeal.state.in_(OPEN_STATES),
                                       Appeal.received_at < at - timedelta(days=body.days))
    if body.rule == "dissatisfied_twice":
        return (select(AppealEvent.appeal_id).where(AppealEvent.action == "visit",
                                                    AppealEvent.payload["satisfaction"].as_string() == "不满意")
                .group_by(AppealEvent.appeal_id).having(func.count() >= 2))
    if body.rule == "enterprise_unresolved":
        return select(Appeal.id).where(Appeal.is_enterprise, Appeal.state.not_in(("merged", "voided")),
                                       or_(Appeal.state.in_(OPEN_STATES), Appeal.resolved == "未解决"))
    repeats = (select(Appeal.merged_into_id).where(Appeal.merged_into_id.is_not(None))
               .group_by(Appeal.merged_into_id).having(func.count() >= body.callers - 1))
    return select(Appeal.id).where(Appeal.id.in_(repeats))


_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def enroll(campaign_id: int, data, actor: User, at: datetime | None = None) -> int:
    """Add appeals by rule or by number; those already in the campaign stay as they are.
    Returns how many were added."""
    MANAGE_LEDGERS.require(actor)
    body = validate(EnrollBody, data, "纳入条件")
    at = at or now()
    with write_transaction(db.session):
        campaign = get_campaign(campaign_id, actor)
        if body.numbers:
            found = dict(db.session.execute(
                select(Appeal.number, Appeal.id).where(Appeal.number.in_(body.numbers))).all())
            missing = [n for n in body.numbers if n not in found]
            if missing:
                raise BadRequest(f"纳入条件有误：numbers：没有这些工单 {', '.join(missing[:10])}",
                                 fields={"numbers": f"没有这些工单：{', '.join(missing[:10])}"})
            ids, how = list(found.values()), "手动"
        else:
            ids = list(db.session.scalars(_rule_query(body, at)))
            how = RULES[body.rule].replace("N", str(body.days if body.rule == "open_days" else body.callers))
        rows = [{"campaign_id": campaign.id, "appeal_id": i, "leader": body.leader or campaign.owner,
                 "target_date": body.target_date or campaign.period_end, "enrolled_by": how[:60],
                 "enrolled_at": at, "enrolled_by_user_id": actor.id} for i in ids]
        added = 0
        if rows:
            insert_ = _INSERTS[db.session.get_bind().dialect.name]
            result = db.session.execute(insert_(CampaignItem).on_conflict_do_nothing(
                index_elements=["campaign_id", "appeal_id"]).returning(CampaignItem.id), rows)
            added = len(result.all())
        audit.record(actor, "ledger_campaign", campaign.id, "enroll", {"how": how, "added": added})
    return added


def update_item(campaign_id: int, item_id: int, data, actor: User) -> CampaignItem:
    MANAGE_LEDGERS.require(actor)
    body = validate(ItemBody, data, "台账事项")
    with write_transaction(db.session):
        item = db.session.get(CampaignItem, item_id)
        if item is None or item.campaign_id != campaign_id:
            raise NotFound("没有这个台账事项")
        before = {"leader": item.leader, "target_date": item.target_date.isoformat(), "note": item.note}
        item.leader, item.target_date, item.note = body.leader, body.target_date, body.note
        audit.record(actor, "ledger_item", item.id, "update", {"before": before, "after": body.model_dump(mode="json")})
    return item


# ---------------------------------------------------------------- progress


@dataclass
class Progress:
    total: int
    closed: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.closed / self.total if self.total else None


@dataclass
class Breakdown:
    key: str
    label: str
    level: str | None
    progress: Progress


def _items(campaign: Campaign, user: User):
    """The campaign's items this user may see, joined to their appeals."""
    return (select(CampaignItem).join(Appeal, CampaignItem.appeal_id == Appeal.id)
            .where(CampaignItem.campaign_id == campaign.id, visible_clause(user)))


def _counts(day: date):
    late = and_(CampaignItem.target_date < day, ~CLOSED)
    return (func.count(), func.sum(case((CLOSED, 1), else_=0)), func.sum(case((late, 1), else_=0)))


def progress(campaign: Campaign, user: User, day: date | None = None) -> Progress:
    day = day or local_today()
    total, closed, overdue = db.session.execute(
        _items(campaign, user).with_only_columns(*_counts(day))).one()
    return Progress(total, closed or 0, overdue or 0)


def by_unit(campaign: Campaign, user: User, day: date | None = None) -> list[Breakdown]:
    """Per unit handling the appeal (the main unit; the current one before dispatch)."""
    day = day or local_today()
    unit_id = func.coalesce(Appeal.main_unit_id, Appeal.current_unit_id)
    rows = db.session.execute(
        _items(campaign, user).with_only_columns(unit_id, *_counts(day)).group_by(unit_id)).all()
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_([r[0] for r in rows if r[0]])))}
    out = [Breakdown(str(uid), units[uid].name if uid else "热线中心（未派单）", units[uid].level if uid else None,
                     Progress(t, c or 0, o or 0)) for uid, t, c, o in rows]
    return sorted(out, key=lambda b: (-b.progress.total, b.label))


def by_level(campaign: Campaign, user: User, day: date | None = None) -> list[Breakdown]:
    merged: dict[str | None, list[int]] = {}
    for b in by_unit(campaign, user, day):
        counts = merged.setdefault(b.level, [0, 0, 0])
        counts[0] += b.progress.total
        counts[1] += b.progress.closed
        counts[2] += b.progress.overdue
    order = {lvl: i for i, lvl in enumerate(UNIT_LEVELS)}
    return [Breakdown(level or "centre", UNIT_LEVEL_NAMES.get(level, "热线中心"), level, Progress(*c))
            for level, c in sorted(merged.items(), key=lambda kv: order.get(kv[0], -1))]


def overdue_items(campaign: Campaign, user: User, day: date | None = None) -> list[CampaignItem]:
    day = day or local_today()
    return list(db.session.scalars(_items(campaign, user).where(CampaignItem.target_date < day, ~CLOSED)
                                   .order_by(CampaignItem.target_date, CampaignItem.id)))


def items_query(campaign: Campaign, user: User) -> Select:
    return _items(campaign, user).order_by(CampaignItem.id)


def items(campaign: Campaign, user: User) -> list[CampaignItem]:
    return list(db.session.scalars(items_query(campaign, user)))


def is_closed(appeal: Appeal) -> bool:
    return appeal.state == "evaluated" or (appeal.state == "auditing" and appeal.satisfaction in ("满意", "基本满意"))


def trend(campaign: Campaign) -> list[CampaignSnapshot]:
    return list(db.session.scalars(select(CampaignSnapshot).where(CampaignSnapshot.campaign_id == campaign.id)
                                   .order_by(CampaignSnapshot.day)))


def snapshot_all(day: date | None = None) -> int:
    """Record today's progress of every campaign still running (or ended within a week).
    Run again the same day, it overwrites that day's row."""
    day = day or local_today()
    with write_transaction(db.session):
        campaigns = db.session.scalars(select(Campaign).where(Campaign.period_start <= day,
                                                              Campaign.period_end >= day - timedelta(days=7))).all()
        insert_ = _INSERTS[db.session.get_bind().dialect.name]
        for campaign in campaigns:
            total, closed = db.session.execute(
                select(func.count(), func.sum(case((CLOSED, 1), else_=0)))
                .select_from(CampaignItem).join(Appeal, CampaignItem.appeal_id == Appeal.id)
                .where(CampaignItem.campaign_id == campaign.id)).one()
            values = {"total": total, "closed": closed or 0, "taken_at": now()}
            db.session.execute(insert_(CampaignSnapshot).values(campaign_id=campaign.id, day=day, **values)
                               .on_conflict_do_update(index_elements=["campaign_id", "day"], set_=values))
    return len(campaigns)


# ---------------------------------------------------------------- export

ITEM_HEADERS = ["工单编号", "标题", "分类", "承办单位", "单位层级", "状态", "是否办结", "责任领导", "目标日期",
                "是否逾期", "纳入方式", "受理时间"]


def _percent(rate: float | None) -> str:
    return f"{rate:.1%}" if rate is not None else "—"


def export_xlsx(campaign: Campaign, user: User) -> bytes:
    day = local_today()
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    bold = Font(bold=True)

    def heading(*cells) -> None:
        summary.append(list(cells))
        for cell in summary[summary.max_row]:
            cell.font = bold

    p = progress(campaign, user, day)
    for label, value in (("台账", campaign.name), ("批次", campaign.batch),
                         ("周期", f"{campaign.period_start.isoformat()} 至 {campaign.period_end.isoformat()}"),
                         ("牵头", campaign.owner), ("统计日期", day.isoformat())):
        summary.append([label, value])
        summary.cell(summary.max_row, 1).font = bold
    summary.append([])
    heading("总数", "已办结", "办结率", "逾期未办结")
    summary.append([p.total, p.closed, _percent(p.rate), p.overdue])
    for title, first, rows in (("按承办单位", "单位", by_unit(campaign, user, day)),
                               ("按层级", "层级", by_level(campaign, user, day))):
        summary.append([])
        heading(title)
        heading(first, "总数", "已办结", "办结率", "逾期未办结")
        for b in rows:
            summary.append([b.label, b.progress.total, b.progress.closed, _percent(b.progress.rate),
                            b.progress.overdue])
    summary.column_dimensions["A"].width = 26

    sheet = book.create_sheet("事项")
    sheet.append(ITEM_HEADERS)
    for cell in sheet[1]:
        cell.font = bold
    for item in items(campaign, user):
        a = item.appeal
        unit = a.main_unit or a.current_unit
        sheet.append([a.number, a.title, a.category.full_name, unit.name if unit else "热线中心",
                      UNIT_LEVEL_NAMES.get(unit.level, "") if unit else "", State(a.state).label,
                      "是" if is_closed(a) else "否", item.leader, item.target_date,
                      "是" if item.target_date < day and not is_closed(a) else "否", item.enrolled_by,
                      format_local(a.received_at)])
    for column, width in zip("ABCDEFGHIJKL", (18, 30, 30, 22, 10, 8, 9, 10, 12, 9, 26, 17), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

