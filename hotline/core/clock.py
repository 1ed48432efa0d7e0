"""The current time, and conversion to the centre's local time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def now() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    name = current_app.config["HOTLINE_TIMEZONE"] if has_app_context() else DEFAULT_TIMEZONE
    return ZoneInfo(name)


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_zone()) if value is not None else None


def format_local(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in local time; an ISO string (as event payloads keep them) is read first."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(local_zone()).strftime(fmt) if value else "—"


def local_date(at: datetime) -> date:
    """The local calendar day of an instant."""
    return at.astimezone(local_zone()).date()


def local_today() -> date:
    return local_date(now())


def start_of(day: date) -> datetime:
    """The first instant of a local calendar day."""
    return datetime.combine(day, time(), local_zone())


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of the calendar month of `day`."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def months(start: date, end: date) -> Iterator[tuple[date, date]]:
    """The calendar months from `start`'s to `end`'s, each as its first and last day."""
    first = start.replace(day=1)
    while first <= end:
        first, last = month_of(first)
        yield first, last
        first = last + timedelta(days=1)
