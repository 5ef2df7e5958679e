"""Matching a CSV's headers to lead fields: forgiving about case, spaces and punctuation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from nurture.errors import ValidationError
from nurture.leads.csv_reading import ImportFileError, has_bad_bytes
from nurture.leads.validation import ALL_FIELDS, MAX_CUSTOM_FIELDS

# Every lead field but the internal id and the custom fields object (custom_<name> columns fill that).
IMPORTABLE = ALL_FIELDS - {"owner_user_id", "custom_fields"}
IGNORE = "ignore"
# Far above any field's own limit: a larger cell is refused before validation reads it.
MAX_CELL_CHARS = 10_000

ALIASES = {
    "email": ["e-mail", "email address", "e-mail address", "mail", "work email", "business email", "email addr"],
    "first_name": ["first name", "firstname", "given name", "forename", "first", "fname"],
    "last_name": ["last name", "lastname", "surname", "family name", "last", "lname"],
    "title": ["job title", "position", "role", "job", "job role", "designation"],
    "phone": ["phone number", "telephone", "tel", "mobile", "mobile phone", "work phone", "business phone", "cell"],
    "company": [
        "company name",
        "organization",
        "organisation",
        "organization name",
        "account",
        "account name",
        "employer",
    ],
    "website": ["web site", "url", "company website", "company url", "homepage", "domain", "company domain", "web"],
    "company_size": ["employees", "number of employees", "employee count", "headcount", "size"],
    "industry": ["sector", "vertical"],
    "country": ["country code", "country region", "nation"],
    "timezone": ["time zone", "tz"],
    "source": ["lead source"],
    "source_detail": ["campaign", "event", "lead source detail", "source details"],
    "consent_basis": ["consent", "legal basis", "lawful basis"],
    "consent_at": ["consent date", "consented at", "opt in date", "opted in at"],
    "lifecycle_stage": ["stage"],
    "lead_status": ["status"],
    "owner_email": ["owner", "lead owner", "rep email", "owner e-mail"],
    "timeline": ["timeframe", "time frame"],
}


def normalize_header(header: str) -> str:
    """``"E-Mail Address "`` → ``"e mail address"``: what matching compares."""
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()


_FIELD_BY_NAME = {normalize_header(name): name for name in IMPORTABLE} | {
    normalize_header(alias): name for name, aliases in ALIASES.items() if name in IMPORTABLE for alias in aliases
}


def custom_key(header: str) -> str | None:
    """``custom_plan`` / ``Custom: Plan Tier`` → ``plan`` / ``plan_tier`` (a valid custom field name)."""
    words = normalize_header(header).split(" ")
    if len(words) < 2 or words[0] != "custom" or not words[1][:1].isalpha():
        return None
    return "_".join(words[1:])[:64]


def _custom_target(header: str) -> str | None:
    key = custom_key(header)
    return f"custom_{key}" if key else None


@dataclass
class ColumnMap:
    """Which column feeds which lead field; the rest is reported and ignored."""

    header: list[str]
    fields: dict[int, str] = field(default_factory=dict)  # column index → lead field
    custom: dict[int, str] = field(default_factory=dict)  # column index → custom field name
    ignored: list[str] = field(default_factory=list)  # headers that match no field
    duplicates: list[str] = field(default_factory=list)  # headers whose field an earlier column already fills

    def to_data(self, cells: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
        """The row's non-empty cells as lead input (empty cells change nothing), or the row's problems."""
        width = len(self.header)
        if len(cells) < width or any(c.strip() for c in cells[width:]):
            return {}, {"row": f"{len(cells)} cells, but the header has {width} columns"}
        data: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for index, name in chain(self.fields.items(), self.custom.items()):
            value = cells[index]
            if len(value) > MAX_CELL_CHARS:
                hint = "; an unclosed quote swallowing the next lines?" if "\n" in value else ""
                errors[name] = f"Too long ({len(value):,} characters{hint})"
            elif has_bad_bytes(value):
                errors[name] = "Not valid UTF-8 text"
            elif value.strip():
                if index in self.custom:
                    data.setdefault("custom_fields", {})[name] = value
                else:
                    data[name] = value
        return data, errors


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """``--map "Work Email=email"`` (or ``=ignore``, ``=custom_plan``) → {normalized header: target}."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        header, sep, target = pair.rpartition("=")
        target = target.strip().lower()
        if not sep or not header.strip():
            raise ValidationError({"map": f'{pair!r}: write "CSV header=lead field"'})
        if target not in IMPORTABLE and target != IGNORE:
            if (target := _custom_target(target) or "") == "":
                fields = ", ".join(sorted(IMPORTABLE))
                raise ValidationError({"map": f"{pair!r}: unknown lead field (one of {fields}, custom_<name>, ignore)"})
        overrides[normalize_header(header)] = target
    return overrides


def map_columns(header: list[str], overrides: Mapping[str, str] | None = None) -> ColumnMap:
    """Match each header to a field; raise ``ImportFileError`` when the file cannot be imported."""
    overrides = dict(overrides or {})
    columns = ColumnMap(header=list(header))
    keys = [normalize_header(h) for h in header]
    if missing := [h for h in overrides if h not in keys]:
        raise ImportFileError(
            f"--map names columns the file does not have: {', '.join(missing)} (its columns: {', '.join(header)})"
        )
    taken: dict[str, str] = {}
    for index, (name, key) in enumerate(zip(header, keys, strict=True)):
        target = overrides.get(key) or _FIELD_BY_NAME.get(key) or _custom_target(name)
        label = name.strip() or f"(column {index + 1}, no name)"
        if target is None:
            columns.ignored.append(label)
        elif target == IGNORE:
            continue
        elif target in taken:
            columns.duplicates.append(f"{label} (also {target}; {taken[target]} is used)")
        elif target.startswith("custom_"):
            columns.custom[index] = target.removeprefix("custom_")
            taken[target] = label
        else:
            columns.fields[index] = target
            taken[target] = label
    if "email" not in columns.fields.values():
        raise ImportFileError(
            f"No email column (columns: {', '.join(h for h in header if h.strip()) or 'none'}); "
            'name it with --map "Header=email"'
        )
    if len(columns.custom) > MAX_CUSTOM_FIELDS:
        raise ImportFileError(f"{len(columns.custom)} custom_ columns; at most {MAX_CUSTOM_FIELDS}")
    return columns
