"""Creating leads, and the create-or-update that forms and imports need."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.changes import apply_values
from nurture.leads.timeline import record_event
from nurture.leads.validation import LeadInput, validate_lead_input
from nurture.models import Lead, LeadSource, User
from nurture.webhooks.emit import emit


def find_by_email(session: Session, email: str) -> Lead | None:
    return session.scalar(select(Lead).where(Lead.email == email))


def create_lead(
    session: Session,
    values: LeadInput,
    *,
    reason: str,
    actor: User | None = None,
    default_source: LeadSource = LeadSource.OTHER,
    event_kind: str = "created",
) -> Lead:
    """Insert a new lead from validated values; a taken email is a field error."""
    email = values.email
    if email is None:
        raise ValidationError({"email": "Required field missing"})
    lead = Lead(email=email, source=values.lead.get("source") or default_source, custom_fields={})
    try:
        with session.begin_nested():
            session.add(lead)
            session.flush()
    except IntegrityError:
        raise ValidationError({"email": "A lead with this email address already exists"}) from None
    changes = apply_values(session, lead, values, reason=reason, actor=actor, record=False)
    initial = {name: new for name, (_old, new) in changes.items() if new is not None}
    record_event(session, lead, event_kind, reason, {"email": lead.email, "source": lead.source, **initial}, actor)
    emit(session, "lead.created", lead)
    return lead


def upsert_lead(
    session: Session,
    data: Mapping[str, Any],
    *,
    reason: str,
    actor: User | None = None,
    default_source: LeadSource = LeadSource.OTHER,
    allowed: frozenset[str] | None = None,
    required: tuple[str, ...] = (),
) -> tuple[Lead, bool]:
    """Create the lead, or update the one with the same email. Returns (lead, created)."""
    values = validate_lead_input(data, allowed=allowed, required=required)
    existing = find_by_email(session, values.email or "")
    if existing is not None:
        values.lead.pop("source", None)  # the first source is the one that counts
        apply_values(session, existing, values, reason=reason, actor=actor)
        return existing, False
    try:
        return create_lead(session, values, reason=reason, actor=actor, default_source=default_source), True
    except ValidationError:
        existing = find_by_email(session, values.email or "")  # lost a race with a concurrent capture
        if existing is None:
            raise
        apply_values(session, existing, values, reason=reason, actor=actor)
        return existing, False
