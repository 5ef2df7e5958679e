"""One validation for every way a lead comes in: API, public forms, CSV import.

``validate_lead_input`` turns untrusted key/value input into clean values, or
per-field messages such as ``{"email": "Email address invalid"}``. It touches
no database: references (owner, uniqueness) are checked by the services.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from email_validator import EmailNotValidError, validate_email

from nurture.keys import typed_key
from nurture.leads.domains import email_company_domain, website_domain
from nurture.leads.geography import country_names, timezone_names
from nurture.leads.status_values import status_key
from nurture.leads.text import clean_text
from nurture.models.enums import ConsentBasis, LeadSource, OwnerTeam

REQUIRED = "Required field missing"
UNKNOWN = "Unknown field"

# Plain text fields of the lead and their maximum lengths.
LEAD_TEXT_FIELDS = {
    "first_name": 100,
    "last_name": 100,
    "title": 150,
    "source_detail": 200,
    "budget": 200,
    "authority": 200,
    "need": 200,
    "timeline": 200,
}
ENUM_FIELDS: dict[str, type[StrEnum]] = {
    "source": LeadSource,
    "consent_basis": ConsentBasis,
    "owner_team": OwnerTeam,
}
# Keys of data an admin edits (lead_status_values): the shape is checked here, membership by the services.
KEY_FIELDS = ("lead_status",)
# Fields about the lead's company; they end up on the Company row.
COMPANY_FIELDS = ("company", "website", "company_size", "industry")
OTHER_FIELDS = ("email", "phone", "country", "timezone", "consent_at", "owner_email", "owner_user_id", "custom_fields")
# The stage is a key of the lifecycle_stages table (nurture.stages): its form is checked here, its existence
# and direction by the services, which have the database.
STAGE_FIELD = "lifecycle_stage"
ALL_FIELDS = frozenset([*LEAD_TEXT_FIELDS, *ENUM_FIELDS, STAGE_FIELD, *KEY_FIELDS, *COMPANY_FIELDS, *OTHER_FIELDS])

MAX_CUSTOM_FIELDS = 50
_CUSTOM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{4,30}(\s*(x|ext\.?)\s*[0-9]{1,6})?$", re.IGNORECASE)


@dataclass
class LeadInput:
    """Validated values. Only keys that were given are present (for partial updates)."""

    lead: dict[str, Any] = field(default_factory=dict)
    company: dict[str, Any] = field(default_factory=dict)
    owner_email: str | None = None
    owner_user_id: int | None = None
    owner_given: bool = False

    @property
    def email(self) -> str | None:
        return self.lead.get("email")


def normalize_email(value: object) -> tuple[str | None, str | None]:
    """Validate syntax (no DNS lookups: imports must not hang) and normalize for dedupe."""
    if not isinstance(value, str) or not value.strip():
        return None, REQUIRED if value in (None, "") else "Email address invalid"
    if len(value) > 320:
        return None, "Email address invalid"
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None, "Email address invalid"
    normalized = result.normalized.lower()
    if len(normalized) > 254:
        return None, "Email address invalid"
    return normalized, None


def parse_datetime(value: object) -> tuple[datetime | None, str | None]:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None, "Date and time invalid (ISO 8601 expected, e.g. 2026-01-31T09:00:00Z)"
    else:
        return None, "Date and time invalid (ISO 8601 expected, e.g. 2026-01-31T09:00:00Z)"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC), None


def _parse_int(value: object, *, minimum: int, maximum: int) -> tuple[int | None, str | None]:
    if isinstance(value, bool):
        return None, "Must be a whole number"
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if not re.fullmatch(r"-?[0-9]{1,12}", value):
            return None, "Must be a whole number"
        value = int(value)
    if not isinstance(value, int):
        return None, "Must be a whole number"
    if not minimum <= value <= maximum:
        return None, f"Must be between {minimum} and {maximum}"
    return value, None


def _validate_custom(value: object) -> tuple[dict[str, Any] | None, str | None]:
    if not isinstance(value, Mapping):
        return None, "Must be an object of named values"
    if len(value) > MAX_CUSTOM_FIELDS:
        return None, f"At most {MAX_CUSTOM_FIELDS} custom fields"
    clean: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not _CUSTOM_KEY.match(key):
            return None, "Field names must be lower-case letters, digits and _ (at most 64)"
        if isinstance(item, str):
            text, error = clean_text(item, 1000)
            if error:
                return None, f"{key}: {error}"
            clean[key] = text
        elif item is None or isinstance(item, bool | int | float):
            clean[key] = item
        else:
            return None, f"{key}: only text, numbers, true/false or null"
    return clean, None


def validate_enum(enum_cls: type[StrEnum], value: object) -> tuple[StrEnum | None, str | None]:
    if isinstance(value, str):
        token = value.strip().lower().replace(" ", "_").replace("-", "_")
        for member in enum_cls:
            if member.value == token:
                return member, None
    return None, "Unknown value; one of: " + ", ".join(m.value for m in enum_cls)


def validate_stage_key(value: object) -> tuple[str | None, str | None]:
    """A stage key as people type it ("Sales Accepted" → sales_accepted); whether it exists is the caller's check."""
    key = typed_key(value)
    if key is not None:
        return key, None
    return None, "A stage key: lower-case letters, digits and _ (see the Definitions page)"


def _validate_country(value: object) -> tuple[str | None, str | None]:
    text, error = clean_text(value, 100)
    if error or text is None:
        return None, error
    code = text.upper()
    if code in country_names():
        return code, None
    by_name = {name.lower(): c for c, name in country_names().items()}
    if text.lower() in by_name:
        return by_name[text.lower()], None
    return None, "Country invalid (ISO 3166 code expected, e.g. DE)"


def _validate_timezone(value: object) -> tuple[str | None, str | None]:
    text, error = clean_text(value, 64)
    if error or text is None:
        return None, error
    if text in timezone_names():
        return text, None
    return None, "Timezone unknown (IANA name expected, e.g. Europe/Paris)"


def _validate_phone(value: object) -> tuple[str | None, str | None]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text, error = clean_text(value, 40)
    if error or text is None:
        return None, error
    if not _PHONE.match(text) or sum(ch.isdigit() for ch in text) < 5:
        return None, "Phone number invalid"
    return text, None


def _validate_website(value: object) -> tuple[str | None, str | None]:
    text, error = clean_text(value, 2048)
    if error or text is None:
        return None, error if error != "Must be text" else "Website address invalid"
    if website_domain(text) is None:
        return None, "Website address invalid"
    return text, None


def validate_lead_input(
    data: Mapping[str, Any],
    *,
    partial: bool = False,
    required: tuple[str, ...] = (),
    allowed: frozenset[str] | None = None,
    statuses: Collection[str] | None = None,
) -> LeadInput:
    """Validate untrusted lead input; raise ``ValidationError`` listing every bad field.

    ``partial`` is for updates: absent keys are left alone and ``email`` is not
    required. ``allowed`` narrows the accepted keys (a public form's fields).
    ``statuses``, when given, are the active status keys (else only a key's shape
    is checked here, and membership when the values are applied).
    """
    from nurture.errors import ValidationError

    accepted = ALL_FIELDS if allowed is None else (allowed & ALL_FIELDS) | {"email"}
    errors: dict[str, str] = {}
    out = LeadInput()

    for key in data:
        if key not in accepted:
            name = key if isinstance(key, str) else repr(key)
            errors[name[:64]] = UNKNOWN

    def present(key: str) -> bool:
        return key in data and key in accepted

    def check(key: str, validator: Callable[[object], tuple[Any, str | None]], target: dict[str, Any]) -> None:
        if not present(key):
            return
        value, error = validator(data[key])
        if error:
            errors[key] = error
        else:
            target[key] = value

    if present("email") or not partial:
        email, error = normalize_email(data.get("email"))
        if error:
            errors["email"] = error
        else:
            out.lead["email"] = email

    for key, limit in LEAD_TEXT_FIELDS.items():
        check(key, lambda v, limit=limit: clean_text(v, limit), out.lead)
    for key, enum_cls in ENUM_FIELDS.items():
        if present(key) and data[key] in (None, ""):
            if key in ("consent_basis",):
                out.lead[key] = None
            else:
                errors[key] = REQUIRED if not partial else "Cannot be cleared"
            continue
        check(key, lambda v, enum_cls=enum_cls: validate_enum(enum_cls, v), out.lead)
    if present(STAGE_FIELD) and data[STAGE_FIELD] in (None, ""):
        errors[STAGE_FIELD] = REQUIRED if not partial else "Cannot be cleared"
    else:
        check(STAGE_FIELD, validate_stage_key, out.lead)
    for key in KEY_FIELDS:
        if present(key) and data[key] in (None, ""):
            errors[key] = REQUIRED if not partial else "Cannot be cleared"
        else:
            check(key, status_key, out.lead)
    if statuses is not None and out.lead.get("lead_status") not in (None, *statuses):
        errors["lead_status"] = "Unknown value; one of: " + ", ".join(statuses)
    check("phone", _validate_phone, out.lead)
    check("country", _validate_country, out.lead)
    check("timezone", _validate_timezone, out.lead)
    check("consent_at", lambda v: (None, None) if v in (None, "") else parse_datetime(v), out.lead)
    check("custom_fields", lambda v: ({}, None) if v is None else _validate_custom(v), out.lead)

    check("company", lambda v: clean_text(v, 200), out.company)
    check("industry", lambda v: clean_text(v, 100), out.company)
    check("website", _validate_website, out.company)
    check(
        "company_size",
        lambda v: (None, None) if v in (None, "") else _parse_int(v, minimum=0, maximum=10_000_000),
        out.company,
    )

    if present("owner_email") and data["owner_email"] not in (None, ""):
        owner, error = normalize_email(data["owner_email"])
        if error:
            errors["owner_email"] = "Email address invalid"
        out.owner_email, out.owner_given = owner, True
    elif present("owner_email"):
        out.owner_given = True
    if present("owner_user_id") and data["owner_user_id"] is not None:
        owner_id, error = _parse_int(data["owner_user_id"], minimum=1, maximum=2**31 - 1)
        if error:
            errors["owner_user_id"] = error
        out.owner_user_id, out.owner_given = owner_id, True
    elif present("owner_user_id"):
        out.owner_given = True

    for key in required:
        if key in errors:
            continue
        value = out.lead.get(key, out.company.get(key))
        if value in (None, ""):
            errors[key] = REQUIRED

    if errors:
        raise ValidationError(errors)
    return out


def company_domain_for(values: LeadInput, email: str) -> str | None:
    """The company's domain: its website's, else a work email's."""
    website = values.company.get("website")
    if website:
        return website_domain(website)
    return email_company_domain(email)
