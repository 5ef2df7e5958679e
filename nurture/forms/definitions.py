"""Creating and editing a capture form's definition (what websites post to /f/<key>)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.text import clean_text, has_control_chars
from nurture.leads.validation import ALL_FIELDS, validate_enum
from nurture.models import Form, LeadSource

# What the public may set through a form, in the order the embed snippet shows them.
# Email is always accepted and required; ownership and sales state never come from the public.
FORM_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "company",
    "website",
    "phone",
    "country",
    "timezone",
    "company_size",
    "industry",
    "source",
    "source_detail",
    "consent_basis",
    "consent_at",
    "budget",
    "authority",
    "need",
    "timeline",
    "custom_fields",
)
NOT_PUBLIC = frozenset({"owner_email", "owner_user_id", "lifecycle_stage", "lead_status", "owner_team"})

_KEY = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
_HONEYPOT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_ORIGINS = 20


def get_active_form(session: Session, key: str) -> Form | None:
    if not _KEY.match(key):
        return None  # spares the database a lookup for keys that cannot exist
    return session.scalar(select(Form).where(Form.key == key, Form.active.is_(True)))


def list_forms(session: Session) -> list[Form]:
    return list(session.scalars(select(Form).order_by(Form.created_at.desc(), Form.id.desc())))


def normalize_origin(value: str) -> str | None:
    """``HTTPS://www.Example.com/`` → ``https://www.example.com``; None if it is not an origin."""
    value = value.strip().rstrip("/")
    if not value or has_control_chars(value) or " " in value:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return f"{parts.scheme.lower()}://{parts.hostname}" + (f":{port}" if port else "")


def _http_url(value: object) -> tuple[str | None, str | None]:
    text, error = clean_text(value, 2048)
    if error or text is None:
        return None, error
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in text:
        return None, "Must be an http(s) address, e.g. https://www.example.com/thanks"
    return text, None


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def validate_definition(data: Mapping[str, Any]) -> dict[str, Any]:
    """Clean a form definition, or raise ``ValidationError`` naming every bad field.

    ``fields``, ``required_fields`` and ``allowed_origins`` are lists; email is
    implied in both field lists and so never stored there.
    """
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    name, error = clean_text(data.get("name"), 200)
    if error or not name:
        errors["name"] = error or "Required field missing"
    out["name"] = name

    fields: list[str] = []
    for item in _names(data.get("fields")):
        if item == "email" or item in fields:
            continue
        if item not in FORM_FIELDS:
            errors["fields"] = f"Not allowed on a public form: {item[:64]}"
            break
        fields.append(item)
    out["fields"] = [f for f in FORM_FIELDS if f in fields]

    required: list[str] = []
    for item in _names(data.get("required_fields")):
        if item == "email" or item in required:
            continue
        if item not in fields:
            errors["required_fields"] = f"Not one of the form's fields: {item[:64]}"
            break
        required.append(item)
    out["required_fields"] = [f for f in FORM_FIELDS if f in required]

    source = data.get("source") or LeadSource.WEBSITE
    out["source"], error = validate_enum(LeadSource, source)
    if error:
        errors["source"] = error
    out["source_detail"], error = clean_text(data.get("source_detail"), 200)
    if error:
        errors["source_detail"] = error
    out["thank_you_url"], error = _http_url(data.get("thank_you_url"))
    if error:
        errors["thank_you_url"] = error

    origins: list[str] = []
    for item in _names(data.get("allowed_origins")):
        origin = normalize_origin(item)
        if origin is None:
            errors["allowed_origins"] = f"Not an origin (e.g. https://www.example.com): {item[:100]}"
            break
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        errors["allowed_origins"] = f"At most {MAX_ORIGINS} origins"
    out["allowed_origins"] = origins

    honeypot = data.get("honeypot_field") or "website_url"
    if not isinstance(honeypot, str) or not _HONEYPOT.match(honeypot):
        errors["honeypot_field"] = "Lower-case letters, digits and _ (at most 64), starting with a letter"
    elif honeypot in ALL_FIELDS:
        # A trap named like a real field would throw away genuine submissions.
        errors["honeypot_field"] = "Must not be the name of a lead field"
    out["honeypot_field"] = honeypot

    out["active"] = bool(data.get("active", True))

    if errors:
        raise ValidationError(errors)
    return out


def _checked_key(session: Session, key: object) -> str:
    if key in (None, ""):
        return secrets.token_urlsafe(12)
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValidationError({"key": "4 to 64 letters, digits, - or _"})
    if session.scalar(select(Form.id).where(Form.key == key)) is not None:
        raise ValidationError({"key": "Already used by another form"})
    return key


def create_form(session: Session, data: Mapping[str, Any]) -> Form:
    """Add a form; the key (part of every embedded snippet) is generated unless given."""
    values = validate_definition(data)
    form = Form(key=_checked_key(session, data.get("key")), **values)
    try:
        with session.begin_nested():
            session.add(form)
            session.flush()
    except IntegrityError:  # a concurrent create took the same key
        raise ValidationError({"key": "Already used by another form"}) from None
    return form


def update_form(session: Session, form: Form, data: Mapping[str, Any]) -> Form:
    """Change a form's definition; its key stays, so snippets already pasted keep working."""
    for name, value in validate_definition(data).items():
        setattr(form, name, value)
    return form
