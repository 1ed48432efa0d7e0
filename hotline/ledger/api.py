"""API of the campaign ledgers."""

from __future__ import annotations

from datetime import date

from flask import Response
from pydantic import BaseModel, Field

from hotline.appeals.presenters import AppealSummary
from hotline.categories.presenters import CategoryRef
from hotline.core.clock import local_today, now
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.ledger import operations as ledger
from hotline.ledger.export import XLSX, export_xlsx
from hotline.ledger.models import Campaign, CampaignItem
from hotline.ledger.progress import Progress, by_level, by_unit, is_closed, items_query, progress, total_of, trend
from hotline.web.api import api


class ProgressOut(BaseModel):
    total: int
    closed: int = Field(description="回访或监督通过的办结数")
    rate: float | None = Field(description="办结率（0–1）")
    overdue: int = Field(description="超过目标日期仍未办结")

    @classmethod
    def of(cls, p: Progress) -> ProgressOut:
        return cls(total=p.total, closed=p.closed, rate=p.rate, overdue=p.overdue)


class BreakdownOut(BaseModel):
    key: str
    label: str
    level: str | None
    progress: ProgressOut


class SnapshotOut(BaseModel):
    day: date
    total: int
    closed: int


class CampaignOut(BaseModel):
    id: int
    name: str
    batch: str
    topic: CategoryRef | None = Field(description="每月一题的诉求分类")
    period_start: date
    period_end: date
    owner: str
    note: str | None
    progress: ProgressOut

    @classmethod
    def of(cls, c: Campaign, user, done: Progress | None = None) -> CampaignOut:
        """`done`: the progress when the caller already has it (from the per-unit breakdown)."""
        return cls(
            id=c.id,
            name=c.name,
            batch=c.batch,
            topic=CategoryRef.of(c.topic) if c.topic else None,
            period_start=c.period_start,
            period_end=c.period_end,
            owner=c.owner,
            note=c.note,
            progress=ProgressOut.of(done or progress(c, user)),
        )


class CampaignList(Page):
    items: list[CampaignOut]


class CampaignDetail(CampaignOut):
    by_unit: list[BreakdownOut]
    by_level: list[BreakdownOut]
    trend: list[SnapshotOut]


class ItemOut(BaseModel):
    id: int
    appeal: AppealSummary
    leader: str
    target_date: date
    closed: bool
    overdue: bool
    enrolled_by: str
    note: str | None

    @classmethod
    def of(cls, item: CampaignItem, day: date, at) -> ItemOut:
        closed = is_closed(item.appeal)
        return cls(
            id=item.id,
            appeal=AppealSummary.of(item.appeal, at),
            leader=item.leader,
            target_date=item.target_date,
            closed=closed,
            overdue=item.target_date < day and not closed,
            enrolled_by=item.enrolled_by,
            note=item.note,
        )


class ItemList(Page):
    items: list[ItemOut]


class EnrollResult(BaseModel):
    added: int


def _breakdown(rows) -> list[BreakdownOut]:
    return [BreakdownOut(key=b.key, label=b.label, level=b.level, progress=ProgressOut.of(b.progress)) for b in rows]


@api.endpoint(
    "GET", "/ledgers", summary="专项台账（如万件清理）", query=PageQuery, response=CampaignList, tags=("ledgers",)
)
def list_ledgers(user, query: PageQuery):
    campaigns, page = paginate(ledger.list_campaigns(user), query)
    return CampaignList(items=[CampaignOut.of(c, user) for c in campaigns], **page)


@api.endpoint(
    "POST",
    "/ledgers",
    summary="新建台账（中心督办员）",
    body=ledger.CampaignBody,
    response=CampaignOut,
    status=201,
    tags=("ledgers",),
    errors=(403,),
)
def create_ledger(user, data):
    return CampaignOut.of(ledger.create_campaign(data, user), user)


@api.endpoint(
    "GET",
    "/ledgers/<int:campaign_id>",
    summary="台账进度：总数、办结率、按单位与层级、趋势",
    response=CampaignDetail,
    tags=("ledgers",),
    errors=(404,),
)
def get_ledger(user, campaign_id: int):
    c = ledger.get_campaign(campaign_id, user)
    units = by_unit(c, user)
    return CampaignDetail(
        **CampaignOut.of(c, user, total_of(units)).model_dump(),
        by_unit=_breakdown(units),
        by_level=_breakdown(by_level(units)),
        trend=[SnapshotOut(day=s.day, total=s.total, closed=s.closed) for s in trend(c)],
    )


@api.endpoint(
    "GET",
    "/ledgers/<int:campaign_id>/items",
    summary="台账事项",
    query=PageQuery,
    response=ItemList,
    tags=("ledgers",),
    errors=(404,),
)
def ledger_items(user, campaign_id: int, query: PageQuery):
    c = ledger.get_campaign(campaign_id, user)
    day, at = local_today(), now()
    items, page = paginate(items_query(c, user), query)
    return ItemList(items=[ItemOut.of(i, day, at) for i in items], **page)


@api.endpoint(
    "POST",
    "/ledgers/<int:campaign_id>/enroll",
    summary="按规则或工单编号纳入台账",
    body=ledger.EnrollBody,
    response=EnrollResult,
    tags=("ledgers",),
    errors=(403, 404),
)
def enroll(user, campaign_id: int, data):
    return EnrollResult(added=ledger.enroll(campaign_id, data, user))


@api.endpoint(
    "PUT",
    "/ledgers/<int:campaign_id>/items/<int:item_id>",
    summary="设置责任领导与目标日期",
    body=ledger.ItemBody,
    response=ItemOut,
    tags=("ledgers",),
    errors=(403, 404),
)
def update_item(user, campaign_id: int, item_id: int, data):
    item = ledger.update_item(campaign_id, item_id, data, user)
    return ItemOut.of(item, local_today(), now())


@api.endpoint(
    "GET",
    "/ledgers/<int:campaign_id>/export.xlsx",
    summary="导出台账（.xlsx：汇总与事项两张表）",
    tags=("ledgers",),
    errors=(404,),
    media_type=XLSX,
)
def export_ledger(user, campaign_id: int):
    c = ledger.get_campaign(campaign_id, user)
    filename = f"ledger-{c.id}.xlsx"
    return Response(
        export_xlsx(c, user), mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


class FrequentRow(BaseModel):
    category: CategoryRef
    appeals: int


class FrequentOut(BaseModel):
    month: date = Field(description="统计月份的1日")
    items: list[FrequentRow] = Field(description="诉求最多的分类，多在前")


@api.endpoint(
    "GET",
    "/ledgers/frequent-problems",
    summary="高频诉求：某月诉求最多的分类（每月一题从中选题）",
    query=ledger.FrequentQuery,
    response=FrequentOut,
    tags=("ledgers",),
    errors=(403,),
)
def frequent_problems(user, query: ledger.FrequentQuery):
    found = ledger.frequent_problems(user, query)
    return FrequentOut(
        month=found.month, items=[FrequentRow(category=CategoryRef.of(c), appeals=n) for c, n in found.rows]
    )


@api.endpoint(
    "POST",
    "/ledgers/monthly-topic",
    summary="每月一题：选定本月治理的一类高频诉求，建立台账并纳入其诉求",
    body=ledger.TopicBody,
    response=CampaignOut,
    status=201,
    tags=("ledgers",),
    errors=(403, 409),
)
def monthly_topic(user, data):
    return CampaignOut.of(ledger.monthly_topic(data, user), user)
