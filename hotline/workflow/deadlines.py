"""Time limits of each step (DESIGN.md §6) and the SLA clock kept on the appeal."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, literal

from hotline.calendar.workdays import WorkCalendar
from hotline.clock import local_zone
from hotline.models import Appeal

# Warning (黄灯) once this share of the interval is used.
WARN_SHARE = 2 / 3


@dataclass(frozen=True)
class Limit:
    working_days: int = 0
    hours: int = 0
    minutes: int = 0

    def due_from(self, start: datetime, calendar: WorkCalendar) -> datetime:
        if self.working_days:
            return calendar.add_working_days(start, self.working_days)
        return start + timedelta(hours=self.hours, minutes=self.minutes)

    def __str__(self) -> str:
        if self.working_days:
            return f"{self.working_days}个工作日"
        if self.hours:
            return f"{self.hours}小时"
        return f"{self.minutes}分钟"


@dataclass(frozen=True)
class Policy:
    name: str
    sign: Limit
    return_window: Limit
    handle: Limit
    visit: Limit
    reopen: Limit
    extension_times: int  # approved extensions allowed
    extension_max_days: int  # working days per extension
    reopen_rounds: int = 2


WD = lambda n: Limit(working_days=n)  # noqa: E731 - reads like the table in DESIGN.md

POLICIES = {
    "urgent": Policy("紧急", Limit(minutes=30), Limit(hours=1), Limit(hours=24), Limit(hours=4),
                     Limit(hours=24), extension_times=0, extension_max_days=0),
    "general": Policy("一般", WD(1), WD(1), WD(10), WD(1), WD(5),
                      extension_times=2, extension_max_days=5),
    "consult": Policy("咨询", WD(1), WD(1), WD(3), WD(2), WD(3),
                      extension_times=1, extension_max_days=2),
    "suggest": Policy("建议", WD(1), WD(1), WD(5), WD(2), WD(3),
                      extension_times=1, extension_max_days=2),
}


def policy_for(appeal: Appeal) -> Policy:
    if appeal.urgency in ("紧急", "特急"):
        return POLICIES["urgent"]
    if appeal.type in ("求助", "投诉", "举报"):
        return POLICIES["general"]
    if appeal.type == "咨询":
        return POLICIES["consult"]
    return POLICIES["suggest"]


def calendar() -> WorkCalendar:
    """The app's working-day calendar (one per app; holidays are loaded once)."""
    cal = current_app.extensions.get("hotline.calendar")
    if cal is None:
        cal = current_app.extensions["hotline.calendar"] = WorkCalendar(local_zone())
    return cal


def due(limit: Limit, start: datetime) -> datetime:
    return limit.due_from(start, calendar())


def start_clock(appeal: Appeal, start: datetime, due_at: datetime) -> None:
    """The step now running must be done by `due_at`; warn at 2/3 of the interval."""
    appeal.sla_due_at = due_at
    appeal.sla_warn_at = start + (due_at - start) * WARN_SHARE


def stop_clock(appeal: Appeal) -> None:
    appeal.sla_due_at = None
    appeal.sla_warn_at = None


SLA_LABELS = {"on_time": "正常", "warning": "临期", "overdue": "超期"}


def sla_status(appeal: Appeal, at: datetime) -> str | None:
    if appeal.sla_due_at is None:
        return None
    if at > appeal.sla_due_at:
        return "overdue"
    if at >= appeal.sla_warn_at:
        return "warning"
    return "on_time"


def sla_status_sql(at: datetime):
    """The same status as a SQL expression, for filters and counts."""
    return case(
        (Appeal.sla_due_at.is_(None), literal(None)),
        (Appeal.sla_due_at < at, literal("overdue")),
        (Appeal.sla_warn_at <= at, literal("warning")),
        else_=literal("on_time"),
    )
