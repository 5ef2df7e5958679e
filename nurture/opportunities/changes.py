"""Moving an opportunity through the pipeline and changing its amount, close date or owner.

Closed Won makes the contact lead a customer; Closed Lost needs a lost reason.
A closed deal does not change any more: one that comes back is a new
opportunity linked to it (``previous_opportunity_id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.progress import advance_stage
from nurture.leads.timeline import record_event
from nurture.models import Lead, LifecycleStage, Opportunity, Role, StageOutcome, User
from nurture.opportunities.history import plain, record_opportunity_event
from nurture.opportunities.pipeline import stage_by_key

FIELDS = ("name", "amount", "currency", "close_date", "owner_user_id", "lost_reason")


def _check(session: Session, opportunity: Opportunity, values: dict[str, Any]) -> Any:
    if opportunity.stage.outcome != StageOutcome.OPEN:
        raise ValidationError({"stage": "This deal is closed; a deal that comes back is a new opportunity"})
    if "close_date" in values and values["close_date"] is None:
        raise ValidationError({"close_date": "Every opportunity has a close date"})
    stage = None
    if values.get("stage"):
        stage = stage_by_key(session, values["stage"])
        if stage is None:
            raise ValidationError({"stage": "No such stage in the pipeline"})
        if stage.outcome == StageOutcome.LOST and not (values.get("lost_reason") or opportunity.lost_reason):
            raise ValidationError({"lost_reason": "Required to close a deal as lost"})
    elif values.get("lost_reason"):
        raise ValidationError({"lost_reason": "Only given when closing the deal as lost"})
    if values.get("owner_user_id") is not None:
        owner = session.get(User, values["owner_user_id"])
        if owner is None or not owner.active or owner.role not in (Role.REP, Role.ADMIN):
            raise ValidationError({"owner_user_id": "No active rep or admin with this id"})
    return stage


def change_opportunity(
    session: Session, opportunity: Opportunity, values: dict[str, Any], *, actor: User | None, now: datetime, reason: str
) -> dict[str, list[Any]]:
    """Apply validated changes; one history row for field changes and one for a stage move. Returns the changes."""
    stage = _check(session, opportunity, values)
    changes: dict[str, list[Any]] = {}
    for name in FIELDS:
        if name in values and getattr(opportunity, name) != values[name]:
            changes[name] = [getattr(opportunity, name), values[name]]
            setattr(opportunity, name, values[name])
    if changes:
        opportunity.updated_at = now
        record_opportunity_event(session, opportunity, "updated", reason, dict(changes), actor)
    if stage is not None and stage.id != opportunity.stage_id:
        old = opportunity.stage
        opportunity.stage_id, opportunity.stage, opportunity.updated_at = stage.id, stage, now
        if stage.outcome != StageOutcome.OPEN:
            opportunity.closed_at = now
        record_opportunity_event(session, opportunity, "stage_changed", reason, {"stage": [old.key, stage.key]}, actor)
        changes["stage"] = [old.key, stage.key]
        _follow_on_lead(session, opportunity, stage.outcome, reason, actor)
    return {k: [plain(v) for v in pair] for k, pair in changes.items()}


def _follow_on_lead(session: Session, opportunity: Opportunity, outcome: StageOutcome, reason: str, actor: User | None) -> None:
    lead = session.get(Lead, opportunity.contact_lead_id)
    if lead is None or outcome == StageOutcome.OPEN:
        return
    word = "won" if outcome == StageOutcome.WON else "lost"
    record_event(session, lead, f"opportunity_{word}", f"{reason}: '{opportunity.name}' closed {word}",
                 {"opportunity_id": opportunity.id, "lost_reason": opportunity.lost_reason}, actor)  # fmt: skip
    if outcome == StageOutcome.WON:
        advance_stage(session, lead, LifecycleStage.CUSTOMER, f"Opportunity '{opportunity.name}' closed won", actor)
