"""The day an out-of-office reply says its author is back: "back on 3 December", "bis 03.12.", "jusqu'au 2 décembre".

Dates are read in English, German, French, Spanish and Dutch, as day-month
words ("3 December", "December 3rd", "3. Dezember", "1er décembre") or numbers
(03.12.2026, 3/12, 2026-12-03; day first, as in most of the world's mail). A
date without a year is the next such day. The latest date within a year after
the reply wins: "away from 1 to 5 December, back on the 8th" is back on the 8th.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "january jan januar janvier janv enero ene januari",
            "february feb februar février fév fev febrero februari",
            "march mar märz maerz mars marzo maart mrt",
            "april apr avril avr abril",
            "may mai mayo mei",
            "june jun juni juin junio",
            "july jul juli juillet juil julio",
            "august aug août aout agosto augustus ago",
            "september sep sept septembre septiembre",
            "october oct oktober octobre octubre okt",
            "november nov novembre noviembre",
            "december dec dezember décembre decembre diciembre dic dez",
        ],
        start=1,
    )
    for name in names.split()
}
MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|e|\.)?"
YEAR = r"(?:,?\s*(?P<year>20\d\d))?"
PATTERNS = [
    re.compile(rf"\b{DAY}\s+(?:de\s+)?{MONTH}{YEAR}\b", re.IGNORECASE),  # 3 December 2026, 3. Dezember, 3 de diciembre
    re.compile(rf"\b{MONTH}\s+{DAY}{YEAR}\b", re.IGNORECASE),  # December 3rd, 2026
    re.compile(r"\b(?P<year>20\d\d)-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)\b"),  # 2026-12-03
    re.compile(r"\b(?P<day>[0-3]?\d)[./](?P<month>[01]?\d)(?:[./](?P<year>(?:20)?\d\d))?\b\.?"),  # 03.12.2026, 3/12
]


def _candidates(text: str, received: date) -> list[date]:
    found = []
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            month_text = match.group("month").lower().rstrip(".")
            month = MONTHS.get(month_text) if not month_text.isdigit() else int(month_text)
            if month is None:
                continue
            year_text = match.group("year")
            year = int(year_text) + (2000 if year_text and len(year_text) == 2 else 0) if year_text else received.year
            try:
                day = date(year, month, int(match.group("day")))
            except ValueError:
                continue
            if not year_text and day < received - timedelta(days=1):
                try:
                    day = day.replace(year=year + 1)  # "back on 3 January", written in December
                except ValueError:
                    continue
            found.append(day)
    return found


def return_date(text: str, received: date) -> date | None:
    """The latest plausible date in the text (from the day before the reply to a year after), or None."""
    plausible = [d for d in _candidates(text, received) if received - timedelta(days=1) <= d <= received + timedelta(days=366)]
    return max(plausible) if plausible else None
