"""Validating qualify and disqualify input (API bodies and admin forms alike)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from nurture.errors import ValidationError
from nurture.leads.text import clean_text
from nurture.leads.validation import validate_enum
from nurture.models import DisqualificationReason
from nurture.opportunities.validation import parse_date, validate_opportunity_input

BANT_FIELDS = ("budget", "authority", "need", "timeline")
OPPORTUNITY_FIELDS = frozenset({"name", "amount", "currency", "close_date", "stage", "owner_user_id"})
DISQUALIFY_FIELDS = frozenset({"reason", "note", "resurface_on", *BANT_FIELDS})


@dataclass
class QualifyInput:
    bant: dict[str, str | None] = field(default_factory=dict)
    opportunity: dict[str, Any] = field(default_factory=dict)


@dataclass
class DisqualifyInput:
    reason: DisqualificationReason
    note: str | None = None
    resurface_on: date | None = None
    bant: dict[str, str | None] = field(default_factory=dict)


def _bant(data: Mapping[str, Any], errors: dict[str, str]) -> dict[str, str | None]:
    values = {}
    for name in BANT_FIELDS:
        if name in data:
            values[name], error = clean_text(data[name], 200)
            if error:
                errors[name] = error
    return values


def validate_qualify_input(data: Mapping[str, Any], default_name: str) -> QualifyInput:
    errors: dict[str, str] = {str(k)[:64]: "Unknown field" for k in data if k not in OPPORTUNITY_FIELDS | set(BANT_FIELDS)}
    bant = _bant(data, errors)
    given = {k: v for k, v in data.items() if k in OPPORTUNITY_FIELDS}
    if not given.get("name"):
        given["name"] = default_name[:200]
    if not given.get("stage"):
        given.pop("stage", None)  # the pipeline's first stage
    try:
        opportunity = validate_opportunity_input(given, creating=True, allowed=OPPORTUNITY_FIELDS)
    except ValidationError as exc:
        errors.update(exc.errors)
        opportunity = {}
    if errors:
        raise ValidationError(errors)
    return QualifyInput(bant, opportunity)


def validate_disqualify_input(data: Mapping[str, Any], today: date) -> DisqualifyInput:
    errors: dict[str, str] = {str(k)[:64]: "Unknown field" for k in data if k not in DISQUALIFY_FIELDS}
    bant = _bant(data, errors)
    reason, error = validate_enum(DisqualificationReason, data.get("reason"))
    if error:
        errors["reason"] = "Required field missing" if data.get("reason") in (None, "") else error
    note, error = clean_text(data.get("note"), 1000) if not isinstance(data.get("note"), str) else _note(data["note"])
    if error:
        errors["note"] = error
    resurface_on = None
    if reason == DisqualificationReason.BAD_TIMING:
        resurface_on, error = parse_date(data.get("resurface_on"))
        if error:
            errors["resurface_on"] = error if data.get("resurface_on") else "Bad timing needs the date the lead comes back"
        elif resurface_on is not None and resurface_on <= today:
            errors["resurface_on"] = "Must be a future date"
    elif data.get("resurface_on"):
        errors["resurface_on"] = "Only for bad timing"
    if errors:
        raise ValidationError(errors)
    return DisqualifyInput(DisqualificationReason(reason), note, resurface_on, bant)


def _note(value: str) -> tuple[str | None, str | None]:
    """Notes may span lines (a rep's words), unlike one-line fields."""
    value = value.replace("\r\n", "\n").strip()
    if len(value) > 1000:
        return None, "Too long (at most 1000 characters)"
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        return None, "Must not contain control characters"
    return value or None, None
