"""Creating an opportunity: a contact lead, a close date (always), a stage of the pipeline; the lead becomes an opportunity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.progress import advance_stage
from nurture.leads.timeline import record_event
from nurture.models import Company, Lead, LifecycleStage, Opportunity, Role, StageOutcome, User
from nurture.opportunities.history import plain, record_opportunity_event
from nurture.opportunities.pipeline import first_open_stage, stage_by_key


def _owner(session: Session, values: dict[str, Any], lead: Lead, actor: User | None) -> User | None:
    if "owner_user_id" in values:
        owner = session.get(User, values["owner_user_id"])
        if owner is None or not owner.active or owner.role not in (Role.REP, Role.ADMIN):
            raise ValidationError({"owner_user_id": "No active rep or admin with this id"})
        return owner
    if actor is not None and actor.role == Role.REP:
        return actor
    return lead.owner or actor  # an admin qualifying an unowned lead owns the deal until reassigned


def create_opportunity(
    session: Session, lead: Lead, values: dict[str, Any], *, actor: User | None, now: datetime, reason: str
) -> Opportunity:
    """``values`` come from validate_opportunity_input(creating=True); the close date is checked again here."""
    if values.get("close_date") is None:
        raise ValidationError({"close_date": "Required field missing"})  # DESIGN.md invariant 7
    stage = stage_by_key(session, values["stage"]) if values.get("stage") else first_open_stage(session)
    if stage is None or stage.outcome != StageOutcome.OPEN:
        raise ValidationError({"stage": "An open stage of the pipeline expected (a deal starts open)"})
    company_id = values.get("company_id", lead.company_id)
    if company_id is not None and session.get(Company, company_id) is None:
        raise ValidationError({"company_id": "No company with this id"})
    previous_id = values.get("previous_opportunity_id")
    if previous_id is not None:
        previous = session.get(Opportunity, previous_id)
        if previous is None:
            raise ValidationError({"previous_opportunity_id": "No opportunity with this id"})
        if previous.stage.outcome != StageOutcome.LOST:
            raise ValidationError({"previous_opportunity_id": "Only a lost deal can return as a new opportunity"})
    owner = _owner(session, values, lead, actor)
    opportunity = Opportunity(
        name=values["name"], company_id=company_id, contact_lead_id=lead.id, owner_user_id=owner.id if owner else None,
        stage_id=stage.id, amount=values["amount"], currency=values["currency"], close_date=values["close_date"],
        source=lead.source, source_detail=lead.source_detail, previous_opportunity_id=previous_id,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(opportunity)
    session.flush()
    data = {k: plain(getattr(opportunity, k)) for k in ("name", "amount", "currency", "close_date", "owner_user_id")}
    record_opportunity_event(session, opportunity, "created", reason, {**data, "stage": stage.key}, actor)
    record_event(session, lead, "opportunity_created", f"{reason}: '{opportunity.name}'",
                 {"opportunity_id": opportunity.id, "previous_opportunity_id": previous_id}, actor)  # fmt: skip
    advance_stage(session, lead, LifecycleStage.OPPORTUNITY, f"Opportunity '{opportunity.name}' created", actor)
    return opportunity
