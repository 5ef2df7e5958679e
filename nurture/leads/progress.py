"""Moving a lead's stage forward and setting its status, each recorded on the timeline with a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nurture.leads.timeline import record_event
from nurture.models import Lead, LeadStatus, User
from nurture.stages.ladder import load_ladder


def advance_stage(session: Session, lead: Lead, target: str, reason: str, actor: User | None) -> bool:
    """Forward only (in the order of the stages): a lead already at ``target`` or beyond is left as it is."""
    current, ladder = lead.lifecycle_stage, load_ladder(session)
    if ladder.rank(target) <= ladder.rank(current):
        return False
    lead.lifecycle_stage = target  # the model notes when it entered
    record_event(session, lead, "stage_changed", reason, {"lifecycle_stage": [current, str(target)]}, actor)
    return True


def set_status(session: Session, lead: Lead, status: LeadStatus, reason: str, actor: User | None) -> bool:
    current = str(lead.lead_status)
    if current == status:
        return False
    lead.lead_status = status.value
    record_event(session, lead, "status_changed", reason, {"lead_status": [current, status.value]}, actor)
    return True
