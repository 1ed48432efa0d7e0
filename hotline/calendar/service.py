"""The app's working-day calendar (statutory + local overrides), cached per process and
rebuilt when the "calendar" revision changes; and the operations that edit overrides."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from sqlalchemy import select

from hotline.calendar.models import CalendarOverride
from hotline.calendar.workdays import WorkCalendar
from hotline.core import audit, revisions
from hotline.core.clock import local_zone
from hotline.core.db import write_transaction
from hotline.core.errors import NotFound
from hotline.core.extensions import db
from hotline.core.permissions import Actor, at_centre, holding
from hotline.core.validation import Body, validate

# The centre's staff who set or explain deadlines read the calendar page; administrators set it.
VIEW_CALENDAR = at_centre("admin", "operator", "dispatcher", "supervisor", refusal="工作日历由热线中心维护")
EDIT_CALENDAR = holding("admin", refusal="只有系统管理员可以设置工作日历")


def _calendar() -> WorkCalendar:
    overrides = {o.day: (o.working, o.reason) for o in db.session.scalars(select(CalendarOverride))}
    return WorkCalendar(local_zone(), overrides)


# The working calendar, cached per process until the "calendar" revision changes.
_calendar_cache = revisions.Cached("calendar", _calendar)


def current_calendar() -> WorkCalendar:
    return _calendar_cache.get()


class OverrideBody(Body):
    working: bool = Field(description="true：工作日；false：休息日")
    reason: str = Field(min_length=1, max_length=100, description="原因，如「地方性假日」「临时调休」")


def get_override(day: date) -> CalendarOverride | None:
    return db.session.get(CalendarOverride, day)


def list_overrides() -> list[CalendarOverride]:
    return list(db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)))


def set_override(day: date, data, actor: Actor) -> CalendarOverride:
    EDIT_CALENDAR.require(actor)
    body = validate(OverrideBody, data, "日历设置")
    with write_transaction(db.session):
        override = db.session.get(CalendarOverride, day)
        before = {"working": override.working, "reason": override.reason} if override else None
        values = {"working": body.working, "reason": body.reason, "updated_by_id": actor.id}
        if override is None:
            override = CalendarOverride(day=day, **values)
            db.session.add(override)
        else:
            for name, value in values.items():
                setattr(override, name, value)
        revisions.bump("calendar")
        audit.record(
            actor,
            "calendar_override",
            day.isoformat(),
            "set",
            {"before": before, "after": {"working": body.working, "reason": body.reason}},
        )
    return override


def remove_override(day: date, actor: Actor) -> None:
    EDIT_CALENDAR.require(actor)
    with write_transaction(db.session):
        override = db.session.get(CalendarOverride, day)
        if override is None:
            raise NotFound(f"{day.isoformat()} 没有本地设置")
        audit.record(
            actor,
            "calendar_override",
            day.isoformat(),
            "remove",
            {"working": override.working, "reason": override.reason},
        )
        db.session.delete(override)
        revisions.bump("calendar")
