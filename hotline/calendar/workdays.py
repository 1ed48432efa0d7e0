"""Working-day arithmetic.

"N working days" from a moment: the start day is not counted; the limit ends at 23:59:59
local time of the Nth working day after it. Hour and minute limits are clock time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

END_OF_DAY = time(23, 59, 59)


class WorkCalendar:
    def __init__(self, zone: ZoneInfo, overrides: Mapping[date, tuple[bool, str]] | None = None):
        self.zone = zone
        # Chinese names; make-up working days (调休上班) are the package's weekend_workdays.
        self._statutory = holidays.country_holidays("CN", language="zh_CN")
        self._overrides = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day][0]
        return self._statutory.is_working_day(day)

    def describe(self, day: date) -> tuple[bool, str]:
        """(working, reason) for one day, as the calendar API reports it."""
        if day in self._overrides:
            return self._overrides[day]
        name = self._statutory.get(day)
        if name:
            return False, name
        if day in self._statutory.weekend_workdays:
            return True, "调休上班"
        if day.weekday() >= 5:
            return False, "周末"
        return True, "工作日"

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """End (23:59:59 local) of the nth working day after the start day, in UTC."""
        if n < 1:
            raise ValueError("working days must be at least 1")
        day = start.astimezone(self.zone).date()
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return datetime.combine(day, END_OF_DAY, tzinfo=self.zone).astimezone(UTC)
