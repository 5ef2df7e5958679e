"""The pure planner: when does a step run? No clock, no database.

Times are aware datetimes. Delays and send windows are applied in the lead's
own timezone; holidays and weekends are skipped for business days and for
windows. A step that lands outside its window moves to the next opening and
later steps follow it (shift, never catch up), because each step is planned
from the moment the previous one actually ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MAX_DAYS_AHEAD = 3660  # a window that never opens must fail loudly, not loop forever


class DelayUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    BUSINESS_DAYS = "business_days"


@dataclass(frozen=True)
class Delay:
    amount: int
    unit: DelayUnit


@dataclass(frozen=True)
class SendWindow:
    """Days of the week (ISO: 1 = Monday … 7 = Sunday) and a daily [start, end) in local time."""

    days: frozenset[int] = frozenset(range(1, 8))
    start: time = time(0, 0)
    end: time = time(23, 59, 59, 999999)
    skip_holidays: bool = True

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(1, 8)):
            raise ValueError("a send window needs days between 1 (Monday) and 7 (Sunday)")
        if not self.start < self.end:
            raise ValueError("a send window's start must be before its end")


@dataclass(frozen=True)
class Calendar:
    """The lead's local calendar: timezone, weekend, holidays."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    is_holiday: Callable[[date], bool] = field(default=lambda _d: False)
    business_days: frozenset[int] = frozenset(range(1, 6))

    def is_business_day(self, day: date) -> bool:
        return day.isoweekday() in self.business_days and not self.is_holiday(day)


def _local(moment: datetime, cal: Calendar) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("planner times must be timezone-aware")
    return moment.astimezone(cal.tz)


def _at(day: date, clock: time, cal: Calendar) -> datetime:
    """A wall-clock time on a local day, as UTC (times in a DST gap move forward by the gap)."""
    naive = datetime.combine(day, clock.replace(tzinfo=None))
    local = naive.replace(tzinfo=cal.tz)
    # Round-trip through UTC normalizes non-existent local times (spring-forward gap).
    return local.astimezone(UTC)


def add_delay(start: datetime, delay: Delay, cal: Calendar) -> datetime:
    """``start`` plus a delay. Days keep the local wall-clock time across DST; business days skip weekends and holidays."""
    if delay.amount < 0:
        raise ValueError("delays cannot be negative")
    if delay.unit is DelayUnit.MINUTES:
        return start + timedelta(minutes=delay.amount)
    if delay.unit is DelayUnit.HOURS:
        return start + timedelta(hours=delay.amount)
    local = _local(start, cal)
    day, clock = local.date(), local.timetz()
    if delay.unit is DelayUnit.DAYS:
        return _at(day + timedelta(days=delay.amount), clock, cal)
    remaining = delay.amount
    while remaining > 0:
        day += timedelta(days=1)
        if cal.is_business_day(day):
            remaining -= 1
    return _at(day, clock, cal)


def _day_open(day: date, window: SendWindow, cal: Calendar) -> bool:
    if day.isoweekday() not in window.days:
        return False
    return not (window.skip_holidays and cal.is_holiday(day))


def next_opening(moment: datetime, window: SendWindow | None, cal: Calendar) -> datetime:
    """The earliest time at or after ``moment`` that lies inside the window (``moment`` itself if it does)."""
    if window is None:
        return moment
    local = _local(moment, cal)
    day = local.date()
    clock = local.time()
    for offset in range(MAX_DAYS_AHEAD):
        candidate = day + timedelta(days=offset)
        if not _day_open(candidate, window, cal):
            continue
        if offset == 0:
            if clock < window.start:
                return _at(candidate, window.start, cal)
            if clock < window.end:
                return moment
            continue
        return _at(candidate, window.start, cal)
    raise ValueError("the send window never opens")


def plan(previous_ran_at: datetime, delay: Delay | None, window: SendWindow | None, cal: Calendar) -> datetime:
    """When the next step runs: the delay after the previous step, then the next window opening."""
    due = add_delay(previous_ran_at, delay, cal) if delay else previous_ran_at
    return next_opening(due, window, cal)
