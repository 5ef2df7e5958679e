"""Managing webhook endpoints (admins): validated URL and events, a generated secret."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.text import clean_text
from nurture.models import WebhookEndpoint
from nurture.webhooks.events import EVENT_TYPES
from nurture.webhooks.signing import new_secret


def validate_url(value: object) -> tuple[str | None, str | None]:
    text, error = clean_text(value, 2048)
    if error:
        return None, error
    if text is None:
        return None, "Required field missing"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        return None, "Not a valid address"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in text:
        return None, "Must be an http:// or https:// address, e.g. https://crm.example.com/hooks/nurture"
    if parts.username or parts.password:
        return None, "Must not contain a user name or password (the signature authenticates us)"
    if parts.fragment:
        return None, "Must not contain a #fragment"
    return text, None


def validate_endpoint(data: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint's values from a form or JSON; raise ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    url, error = validate_url(data.get("url"))
    if error:
        errors["url"] = error
    description, error = clean_text(data.get("description"), 200)
    if error:
        errors["description"] = error
    events = data.get("events")
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        errors["events"] = "A list of event types"
        events = []
    elif unknown := sorted(set(events) - set(EVENT_TYPES)):
        errors["events"] = f"Unknown event type {unknown[0]!r}; one of " + ", ".join(EVENT_TYPES)
    elif not events:
        errors["events"] = "Choose at least one event"
    if errors:
        raise ValidationError(errors)
    return {
        "url": url,
        "description": description or "",
        "events": [e for e in EVENT_TYPES if e in events],  # canonical order, no duplicates
        "active": bool(data.get("active", True)),
    }


def create_endpoint(session: Session, data: Mapping[str, Any]) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(**validate_endpoint(data), secret=new_secret())
    session.add(endpoint)
    session.flush()
    return endpoint


def update_endpoint(session: Session, endpoint: WebhookEndpoint, data: Mapping[str, Any]) -> None:
    for name, value in validate_endpoint(data).items():
        setattr(endpoint, name, value)
    session.flush()


def rotate_secret(session: Session, endpoint: WebhookEndpoint) -> str:
    endpoint.secret = new_secret()
    session.flush()
    return endpoint.secret


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
