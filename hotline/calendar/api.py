"""Calendar API: when is something due, is a day a working day, and the
local overrides administrators keep."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field, model_validator

from hotline.calendar import service
from hotline.core.clock import now, to_local
from hotline.core.errors import BadRequest
from hotline.core.pagination import Page, PageQuery, paginate
from hotline.core.validation import Body, FieldErrors, SaneDatetime
from hotline.web.api import api

DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "YYYY-MM-DD"}


class DueQuery(Body):
    start: SaneDatetime | None = Field(None, description="起算时间（ISO 8601，带时区）；缺省为现在")
    working_days: int | None = Field(None, ge=1, le=365)
    hours: int | None = Field(None, ge=1, le=8760)
    minutes: int | None = Field(None, ge=1, le=10080)

    @model_validator(mode="after")
    def _one(self):
        if [self.working_days, self.hours, self.minutes].count(None) != 2:
            raise FieldErrors({"working_days": "working_days、hours、minutes 三选一"})
        return self


class DueOut(BaseModel):
    start: datetime
    due_at: datetime


class DayOut(BaseModel):
    date: date
    working: bool
    reason: str
    override: bool = Field(description="是否为本地设置")


class OverrideOut(BaseModel):
    date: date
    working: bool
    reason: str


class OverrideList(Page):
    items: list[OverrideOut]


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"日期格式无效：{text}（应为 YYYY-MM-DD）", fields={"date": "应为 YYYY-MM-DD"}) from None


@api.endpoint(
    "GET",
    "/calendar/due",
    summary="时限计算：N 个工作日或 N 小时后",
    query=DueQuery,
    response=DueOut,
    tags=("calendar",),
    description="工作日：起算日不计，至第 N 个工作日 23:59:59（本地时间）截止；小时：按自然时间。",
)
def due(user, query: DueQuery):
    start = query.start or now()
    if query.working_days:
        due_at = service.current_calendar().add_working_days(start, query.working_days)
    else:
        due_at = start + timedelta(hours=query.hours or 0, minutes=query.minutes or 0)
    return DueOut(start=to_local(start), due_at=to_local(due_at))


@api.endpoint(
    "GET",
    "/calendar/days/<day>",
    summary="某日是否工作日",
    response=DayOut,
    tags=("calendar",),
    errors=(400,),
    path_params={"day": DAY},
)
def day_info(user, day: str):
    when = parse_day(day)
    working, reason = service.current_calendar().describe(when)
    return DayOut(date=when, working=working, reason=reason, override=service.get_override(when) is not None)


@api.endpoint(
    "GET", "/calendar/overrides", summary="本地工作日设置", query=PageQuery, response=OverrideList, tags=("calendar",)
)
def overrides(user, query: PageQuery):
    rows, page = paginate(service.list_overrides(), query)
    return OverrideList(items=[OverrideOut(date=o.day, working=o.working, reason=o.reason) for o in rows], **page)


@api.endpoint(
    "PUT",
    "/calendar/overrides/<day>",
    summary="设置某日为工作日或休息日（管理员）",
    body=service.OverrideBody,
    response=OverrideOut,
    tags=("calendar",),
    errors=(403,),
    path_params={"day": DAY},
)
def set_override(user, day: str, data):
    o = service.set_override(parse_day(day), data, user)
    return OverrideOut(date=o.day, working=o.working, reason=o.reason)


@api.endpoint(
    "DELETE",
    "/calendar/overrides/<day>",
    summary="取消本地设置（管理员）",
    status=204,
    tags=("calendar",),
    errors=(400, 403, 404),
    path_params={"day": DAY},
)
def remove_override(user, day: str):
    service.remove_override(parse_day(day), user)
