"""A report's period, from the ``from`` and ``to`` a person or a script gives: dates are whole UTC days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from nurture.errors import ValidationError
from nurture.leads.validation import parse_datetime
from nurture.opportunities.validation import parse_date

BOUND_ERROR = "A date (YYYY-MM-DD) or an ISO 8601 date-time"


@dataclass(frozen=True)
class Period:
    """[start, end); None is open-ended."""

    start: datetime | None
    end: datetime | None

    def as_dict(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat() if self.start else None, "to": self.end.isoformat() if self.end else None}


def _bound(raw: str | None, end: bool) -> tuple[datetime | None, str | None]:
    """A date (a whole UTC day: ``to`` includes it) or an ISO date-time (``to`` excludes it)."""
    if not raw or not raw.strip():
        return None, None
    day, error = parse_date(raw)
    if not error and day is not None:
        return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC), None
    moment, error = parse_datetime(raw)
    return (None, BOUND_ERROR) if error else (moment, None)


def parse_period(args: Mapping[str, str]) -> Period:
    """Both bounds checked at once, so each field gets its own message."""
    start, start_error = _bound(args.get("from"), end=False)
    end, end_error = _bound(args.get("to"), end=True)
    errors = {name: message for name, message in (("from", start_error), ("to", end_error)) if message}
    if not errors and start and end and end <= start:
        errors["to"] = "Must be after from"
    if errors:
        raise ValidationError(errors)
    return Period(start, end)


def last_days(today: date, days: int) -> dict[str, str]:
    """The form values of the default period: the last ``days`` days, today included."""
    return {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}
