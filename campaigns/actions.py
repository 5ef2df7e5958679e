"""Action steps: change the lead, notify its owner, move it to another sequence, or end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.enrollments import enroll
from campaigns.models import Enrollment, Sequence
from campaigns.steps import ActionStep
from nurture.config import Settings
from nurture.errors import ValidationError
from nurture.leads.changes import apply_values
from nurture.leads.timeline import record_event
from nurture.leads.validation import validate_lead_input
from nurture.mail.system_email import send_system_email
from nurture.models import Lead, User


def run_action(
    session: Session, settings: Settings, enrollment: Enrollment, lead: Lead, step: ActionStep, now: datetime
) -> str | None:
    """Perform the action; returns an exit reason when the enrollment must end, else None."""
    params: dict[str, Any] = step.params
    reason = f"Sequence step '{step.id}'"
    if step.action == "exit":
        return str(params.get("reason") or f"Exited at step '{step.id}'")
    if step.action in ("set_stage", "set_status"):
        field = "lifecycle_stage" if step.action == "set_stage" else "lead_status"
        value = params["stage"] if step.action == "set_stage" else params["status"]
        try:
            apply_values(session, lead, validate_lead_input({field: value}, partial=True), reason=reason)
        except ValidationError as exc:  # e.g. a backward stage: recorded, the sequence goes on
            record_event(session, lead, "action_skipped", f"{reason}: {exc}", {"action": step.action})
    elif step.action == "add_tag":
        tags = list((lead.custom_fields or {}).get("tags") or [])
        if params["tag"] not in tags:
            lead.custom_fields = {**(lead.custom_fields or {}), "tags": [*tags, params["tag"]]}
            record_event(session, lead, "updated", reason, {"tags": [tags, lead.custom_fields["tags"]]})
    elif step.action == "add_score":
        record_event(session, lead, "score_adjusted", reason, {"points": params["points"]})
    elif step.action == "notify_owner":
        owner = session.get(User, lead.owner_user_id) if lead.owner_user_id else None
        if owner is not None and owner.active:
            message = str(params.get("message") or f"{lead.full_name or lead.email} reached step '{step.id}'.")
            send_system_email(settings, session, owner.email, f"Lead update: {lead.email}", message)
            record_event(session, lead, "owner_notified", reason, {"owner": owner.email})
    elif step.action == "enroll":
        target = params["sequence"]
        query = select(Sequence).where(Sequence.id == target if isinstance(target, int) else Sequence.name == target)
        sequence = session.scalar(query)
        if sequence is None:
            record_event(session, lead, "action_skipped", f"{reason}: no sequence {target!r}", {})
        else:
            try:
                enroll(session, sequence, lead, now=now, by=reason)
            except ValidationError as exc:
                record_event(session, lead, "action_skipped", f"{reason}: {exc}", {})
    return None
