"""Matching a CSV's headers to lead fields: forgiving about case, spaces and punctuation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from nurture.errors import ValidationError
from nurture.leads.validation import ALL_FIELDS

IMPORTABLE = ALL_FIELDS - {"owner_user_id", "custom_fields"}

ALIASES = {
    "email": ["email", "e-mail", "email address", "e-mail address", "work email", "business email", "mail"],
    "first_name": ["first name", "firstname", "given name", "forename", "first"],
    "last_name": ["last name", "lastname", "surname", "family name", "last"],
    "title": ["title", "job title", "position", "role", "job"],
    "phone": ["phone", "phone number", "telephone", "tel", "mobile", "work phone"],
    "company": ["company", "company name", "organization", "organisation", "account", "account name"],
    "website": ["website", "web site", "url", "company website", "domain", "company domain"],
    "company_size": ["company size", "employees", "number of employees", "headcount", "size"],
    "industry": ["industry", "sector", "vertical"],
    "country": ["country", "country code", "nation"],
    "timezone": ["timezone", "time zone", "tz"],
    "source": ["source", "lead source"],
    "source_detail": ["source detail", "campaign", "event", "lead source detail"],
    "consent_basis": ["consent basis", "consent", "legal basis"],
    "consent_at": ["consent at", "consent date", "consented at", "opt in date", "opt-in date"],
    "lifecycle_stage": ["lifecycle stage", "stage"],
    "lead_status": ["lead status", "status"],
    "owner_email": ["owner email", "owner", "lead owner", "rep email"],
    "budget": ["budget"],
    "authority": ["authority"],
    "need": ["need"],
    "timeline": ["timeline", "timeframe", "time frame"],
}


def normalize_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()


_ALIAS_INDEX = {normalize_header(alias): field for field, aliases in ALIASES.items() for alias in aliases}
_CUSTOM = re.compile(r"^custom[ _](?P<name>[a-z][a-z0-9_]{0,63})$")


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """``--map "Work Email=email"`` → {normalized header: field}."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        header, sep, field = pair.partition("=")
        field = field.strip()
        if not sep or not header.strip():
            raise ValidationError({"map": f"{pair!r}: use \"CSV header=lead field\""})
        if field not in IMPORTABLE and not _CUSTOM.match(field.replace("_", " ", 1)) and field != "ignore":
            raise ValidationError({"map": f"{pair!r}: unknown lead field {field!r}"})
        overrides[normalize_header(header)] = field
    return overrides


def map_headers(headers: list[str], overrides: Mapping[str, str] | None = None) -> tuple[dict[int, str], list[str]]:
    """Column index → lead field (or ``custom:<name>``), and the headers that match nothing."""
    overrides = overrides or {}
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    taken: set[str] = set()
    for index, header in enumerate(headers):
        key = normalize_header(header or "")
        field = overrides.get(key) or _ALIAS_INDEX.get(key)
        if field is None and (custom := _CUSTOM.match(key.replace(" ", "_", 1) if key.startswith("custom ") else key)):
            field = f"custom:{custom.group('name').replace(' ', '_')}"
        if field == "ignore" or field is None or field in taken:
            ignored.append(header)
            continue
        mapping[index] = field
        taken.add(field)
    return mapping, ignored
