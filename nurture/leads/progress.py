"""Moving a lead's stage forward and setting its status, each recorded on the timeline with a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nurture.leads.timeline import record_event
from nurture.models import Lead, LeadStatus, LifecycleStage, User


def advance_stage(session: Session, lead: Lead, target: LifecycleStage, reason: str, actor: User | None) -> bool:
    """Forward only: a lead already at ``target`` or beyond is left as it is."""
    current = LifecycleStage(lead.lifecycle_stage)
    if target.rank <= current.rank:
        return False
    lead.lifecycle_stage = target
    record_event(session, lead, "stage_changed", reason, {"lifecycle_stage": [current.value, target.value]}, actor)
    return True


def set_status(session: Session, lead: Lead, status: LeadStatus, reason: str, actor: User | None) -> bool:
    current = str(lead.lead_status)
    if current == status:
        return False
    lead.lead_status = status.value
    record_event(session, lead, "status_changed", reason, {"lead_status": [current, status.value]}, actor)
    return True
