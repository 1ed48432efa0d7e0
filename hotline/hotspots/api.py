"""未诉先办 hot spots as JSON: the week's cells of the user's area, the appeals behind one,
and the proactive task opened from one."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from hotline.appeals.presenters import AppealSummary
from hotline.categories.presenters import CategoryRef
from hotline.core.clock import now
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.grid.presenters import UnitRef
from hotline.hotspots import operations
from hotline.hotspots.models import HotSpot
from hotline.hotspots.operations import HotSpotQuery
from hotline.web.api import api


class TaskRef(BaseModel):
    id: int
    number: str


class HotSpotOut(BaseModel):
    id: int
    week_start: date = Field(description="统计周的周一")
    category: CategoryRef
    unit: UnitRef = Field(description="社区或网格")
    level: str = Field(description="community 或 grid")
    count: int = Field(description="本周诉求件数")
    baseline: float = Field(description="此前各周的周均件数")
    ratio: float | None = Field(description="本周为周均的倍数（此前无诉求时为 null）")
    task: TaskRef | None = Field(description="据此生成的主动发现工单")

    @classmethod
    def of(cls, s: HotSpot) -> HotSpotOut:
        return cls(
            id=s.id,
            week_start=s.week_start,
            category=CategoryRef.of(s.category),
            unit=UnitRef.of(s.unit),
            level=s.unit.level,
            count=s.count,
            baseline=s.baseline,
            ratio=s.ratio,
            task=TaskRef(id=s.task.id, number=s.task.number) if s.task else None,
        )


class HotSpotsOut(BaseModel):
    week_start: date | None = Field(description="统计周（尚未检测时为 null）")
    weeks: list[date] = Field(description="已检测的各周，新在前")
    total: int = Field(description="本周本辖区的热点数（items 至多列出升幅最大的200处）")
    items: list[HotSpotOut]


@api.endpoint(
    "GET",
    "/hot-spots",
    summary="未诉先办：某周的高发热点（分类 × 社区/网格），本辖区内",
    query=HotSpotQuery,
    response=HotSpotsOut,
    tags=("hot-spots",),
    errors=(403,),
)
def list_hot_spots(user, query: HotSpotQuery):
    week = operations.hot_spots(user, query)
    return HotSpotsOut(
        week_start=week.start, weeks=week.weeks, total=week.total, items=[HotSpotOut.of(s) for s in week.spots]
    )


class BehindOut(Page):
    hot_spot: HotSpotOut
    items: list[AppealSummary]


@api.endpoint(
    "GET",
    "/hot-spots/<int:spot_id>/appeals",
    summary="热点背后的诉求",
    query=PageQuery,
    response=BehindOut,
    tags=("hot-spots",),
    errors=(403, 404),
)
def hot_spot_appeals(user, spot_id: int, query: PageQuery):
    spot = operations.find_hot_spot(user, spot_id)
    items, page = paginate(operations.appeals_behind(user, spot), query)
    at = now()
    return BehindOut(hot_spot=HotSpotOut.of(spot), items=[AppealSummary.of(a, at) for a in items], **page)


class TaskOut(BaseModel):
    hot_spot: HotSpotOut
    task: TaskRef


@api.endpoint(
    "POST",
    "/hot-spots/<int:spot_id>/task",
    summary="据热点生成主动发现工单（由热线中心派单）",
    response=TaskOut,
    status=201,
    tags=("hot-spots",),
    errors=(403, 404, 409),
)
def open_task(user, spot_id: int):
    appeal = operations.open_task(user, spot_id)
    spot = operations.find_hot_spot(user, spot_id)
    return TaskOut(hot_spot=HotSpotOut.of(spot), task=TaskRef(id=appeal.id, number=appeal.number))
