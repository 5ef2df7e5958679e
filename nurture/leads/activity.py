"""Engagement reported from outside email (the website, a booking tool): validated, then recorded for scoring.

Each type scores by the scoring rules (a page visit 2 points, capped; a meeting
booked 40 …); the handoff evaluates the lead within a second, like a click.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.validation import normalize_email, parse_datetime
from nurture.models import ActivityEvent, Lead, User

ACTIVITY_TYPES = ("page_visit", "form_submit", "meeting_booked")
FIELDS = {"lead_id", "email", "type", "occurred_at", "url", "data"}
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of other systems drift; a later time is a mistake
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_DATA_KEYS = 20


@dataclass(frozen=True)
class ActivityInput:
    lead: Lead
    kind: str
    occurred_at: datetime
    url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _lead(session: Session, body: Mapping[str, Any], errors: dict[str, str]) -> Lead | None:
    lead_id, email = body.get("lead_id"), body.get("email")
    if lead_id is not None and email is not None:
        errors["lead_id"] = "Give lead_id or email, not both"
    elif lead_id is not None:
        if not isinstance(lead_id, int) or isinstance(lead_id, bool) or lead_id < 1:
            errors["lead_id"] = "Must be a lead's id (a whole number)"
        elif (lead := session.get(Lead, lead_id)) is not None:
            return lead
        else:
            errors["lead_id"] = "No lead with this id"
    elif email is not None:
        normalized, error = normalize_email(email)
        if error:
            errors["email"] = error
        elif (lead := session.scalar(select(Lead).where(Lead.email == normalized))) is not None:
            return lead
        else:
            errors["email"] = "No lead with this email address"
    else:
        errors["lead_id"] = "Required: the lead's id, or its email"
    return None


def _url(value: object, kind: str, errors: dict[str, str]) -> str | None:
    if value is None:
        if kind == "page_visit":
            errors["url"] = "Required for a page visit"
        return None
    if not isinstance(value, str) or len(value) > 2048 or urlsplit(value.strip()).scheme not in ("http", "https") or not urlsplit(value.strip()).netloc:
        errors["url"] = "An http(s) URL of at most 2048 characters"
        return None
    return value.strip()


def _data(value: object, errors: dict[str, str]) -> dict[str, Any]:
    if value is None:
        return {}
    ok = isinstance(value, Mapping) and len(value) <= MAX_DATA_KEYS and all(
        isinstance(k, str) and len(k) <= 64 and (v is None or isinstance(v, bool | int | float) or (isinstance(v, str) and len(v) <= 500))
        for k, v in value.items()
    )  # fmt: skip
    if not ok:
        errors["data"] = f"An object of at most {MAX_DATA_KEYS} named values (text up to 500 characters, numbers, true/false, null)"
        return {}
    return dict(value)  # type: ignore[arg-type]


def validate_activity(session: Session, body: Mapping[str, Any], now: datetime) -> ActivityInput:
    """Check every field and name each bad one (ValidationError); the lead is found by id or email."""
    errors = {name[:64]: "Unknown field" for name in body if name not in FIELDS}
    lead = _lead(session, body, errors)
    kind = body.get("type")
    if kind not in ACTIVITY_TYPES:
        errors["type"] = "Required: one of " + ", ".join(ACTIVITY_TYPES)
    occurred_at = now
    if body.get("occurred_at") is not None:
        parsed, error = parse_datetime(body["occurred_at"])
        if error or parsed is None:
            errors["occurred_at"] = error or "Date and time invalid"
        elif parsed > now + FUTURE_TOLERANCE:
            errors["occurred_at"] = "Must not be in the future"
        elif parsed < EARLIEST:
            errors["occurred_at"] = "Must be after 2000-01-01"
        else:
            occurred_at = parsed
    url = _url(body.get("url"), str(kind), errors)
    data = _data(body.get("data"), errors)
    if errors or lead is None:
        raise ValidationError(errors)
    return ActivityInput(lead, str(kind), occurred_at, url, data)


def record_activity(session: Session, activity: ActivityInput, actor: User | None = None) -> ActivityEvent:
    event = ActivityEvent(
        lead_id=activity.lead.id, kind=activity.kind, url=activity.url, data=activity.data,
        actor_user_id=actor.id if actor else None, occurred_at=activity.occurred_at,
    )  # fmt: skip
    session.add(event)
    session.flush()
    return event
