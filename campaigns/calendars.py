"""The lead's calendar: its timezone (lead, then company, then the account's) and its country's holidays."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from campaigns.planner import Calendar
from nurture.models import Lead


@lru_cache(maxsize=512)
def _holiday_checker(country: str) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(country)
    except NotImplementedError:  # a country the holidays package does not know
        return None


def _is_holiday(country: str | None):  # type: ignore[no-untyped-def]
    checker = _holiday_checker(country.upper()) if country else None
    if checker is None:
        return lambda _day: False
    return lambda day: date(day.year, day.month, day.day) in checker


@lru_cache(maxsize=1024)
def _calendar(tz_name: str, country: str | None) -> Calendar:
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return Calendar(tz=tz, is_holiday=_is_holiday(country))


def calendar_for(lead: Lead, default_timezone: str) -> Calendar:
    company = lead.company
    tz_name = lead.timezone or (company.timezone if company else None) or default_timezone
    country = lead.country or (company.country if company else None)
    return _calendar(tz_name, country)


def calendar_in(tz_name: str | None, lead: Lead, default_timezone: str) -> Calendar:
    """The lead's holidays on someone else's clock (a rep's), or the lead's own calendar without one."""
    if not tz_name:
        return calendar_for(lead, default_timezone)
    company = lead.company
    return _calendar(tz_name, lead.country or (company.country if company else None))
