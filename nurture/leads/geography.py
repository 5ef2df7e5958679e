"""Countries and timezones from the IANA tz database (the tzdata package)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from zoneinfo import available_timezones


def _tab_lines(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 code → English name."""
    return {row[0]: row[1] for row in _tab_lines("iso3166.tab")}


@cache
def _country_zones() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for row in _tab_lines("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    return zones


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


# zone.tab lists a country's zones geographically, not by population: for
# countries with several, name the zone where most of its people live.
_MAIN_ZONE = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
    "PS": "Asia/Hebron",
    "AQ": "UTC",
    "UM": "Pacific/Honolulu",
}


def guess_timezone(country: str | None) -> str | None:
    """The main IANA zone of an ISO 3166 country code, if known."""
    if not country:
        return None
    code = country.upper()
    if code in _MAIN_ZONE:
        return _MAIN_ZONE[code]
    zones = _country_zones().get(code)
    return zones[0] if zones else None
