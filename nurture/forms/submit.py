"""A website visitor submits a capture form: create or update their lead, note it on the timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.capture import find_by_email, upsert_lead
from nurture.leads.timeline import record_event
from nurture.leads.validation import validate_lead_input
from nurture.models import Form, Lead

# A form post with more keys than this is not a person filling in a form.
MAX_KEYS = 100


@dataclass
class Submission:
    """What happened. ``lead`` is None when the honeypot caught a bot (nothing was stored)."""

    lead: Lead | None
    created: bool = False


def submit_form(session: Session, form: Form, data: Mapping[str, Any]) -> Submission:
    """Validate ``data`` against the form, upsert the lead and record ``form_submitted``.

    Raises ``ValidationError`` with per-field messages; nothing is written then.
    The caller commits.
    """
    if len(data) > MAX_KEYS:
        raise ValidationError({"body": f"Too many fields (at most {MAX_KEYS})"})
    data = dict(data)
    trap = data.pop(form.honeypot_field, None)
    if trap not in (None, ""):
        return Submission(lead=None)

    allowed = frozenset(form.fields)
    required = tuple(form.required_fields)
    values = validate_lead_input(data, allowed=allowed, required=required)
    submitted = sorted(data)
    if form.source_detail and not values.lead.get("source_detail"):
        # The form's detail describes where a *new* lead came from; a returning
        # lead keeps its first source and detail. Validated above, so widening is safe.
        if find_by_email(session, values.email or "") is None:
            data["source_detail"] = form.source_detail
            allowed |= {"source_detail"}

    reason = f"Submitted form {form.name!r}"
    lead, created = upsert_lead(
        session, data, reason=reason, default_source=form.source, allowed=allowed, required=required
    )
    record_event(
        session,
        lead,
        "form_submitted",
        reason,
        {"form_id": form.id, "form_key": form.key, "form_name": form.name, "fields": submitted, "created": created},
    )
    session.flush()
    return Submission(lead=lead, created=created)
