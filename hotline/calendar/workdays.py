"""Working-day arithmetic.

"N working days" from a moment: the start day is not counted; the limit ends at 23:59:59
local time of the Nth working day after it. Half a working day ends with the next working
half-day (mornings end at 12:00, afternoons at 23:59:59). "N calendar days" ends at 23:59:59
of the Nth day after the start day. Hour and minute limits are clock time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

END_OF_DAY = time(23, 59, 59)
NOON = time(12)


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

    def add_working_half_day(self, start: datetime) -> datetime:
        """End of the next working half-day after the one `start` falls in, in UTC: a call
        of a working morning by that evening, of an afternoon or a day off by noon of the
        next working day (吕梁's 受理 within 0.5 working days)."""
        local = start.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day) and local.time() < NOON:
            return datetime.combine(day, END_OF_DAY, tzinfo=self.zone).astimezone(UTC)
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, NOON, tzinfo=self.zone).astimezone(UTC)

    def working_days_left(self, start: datetime, end: datetime) -> int:
        """Working days after the start day up to and including the end day (how many of
        a working-day limit are still to come at `start`)."""
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        left = 0
        while day < last:
            day += timedelta(days=1)
            left += self.is_working_day(day)
        return left

    def ends_a_day(self, moment: datetime) -> bool:
        """Whether `moment` is where a working-day limit ends (23:59:59, or noon for half a day)."""
        return moment.astimezone(self.zone).time() in (END_OF_DAY, NOON)

    def add_calendar_days(self, start: datetime, n: int) -> datetime:
        """End (23:59:59 local) of the nth day after the start day, working or not, in UTC."""
        day = start.astimezone(self.zone).date() + timedelta(days=n)
        return datetime.combine(day, END_OF_DAY, tzinfo=self.zone).astimezone(UTC)
