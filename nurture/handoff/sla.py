"""SLA deadlines counted in business hours: nights count, weekends do not (24 business hours ≈ one working day)."""

from __future__ import annotations

from datetime import datetime, timedelta


def due_after_business_hours(start: datetime, hours: int, business_days: frozenset[int] = frozenset(range(1, 6))) -> datetime:
    """``start`` plus ``hours`` of time that falls on business days (ISO weekdays), in UTC."""
    moment = start
    remaining = timedelta(hours=hours)
    while remaining > timedelta(0):
        if moment.isoweekday() in business_days:
            end_of_day = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            step = min(remaining, end_of_day - moment)
            moment += step
            remaining -= step
        else:
            moment = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return moment
