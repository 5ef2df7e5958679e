"""Qualifying a lead: BANT answers recorded, an opportunity created, the lead an opportunity with status qualified."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.progress import set_status
from nurture.leads.timeline import record_event
from nurture.models import Lead, LeadStatus, LifecycleStage, Opportunity, OwnerTeam, User
from nurture.opportunities.create import create_opportunity
from nurture.qualification.bant import set_bant
from nurture.qualification.inputs import QualifyInput
from nurture.stages.ladder import load_ladder


def default_opportunity_name(lead: Lead) -> str:
    return f"{(lead.company.name or lead.company.domain) if lead.company else (lead.full_name or lead.email)} deal"


def qualify(session: Session, lead: Lead, values: QualifyInput, *, actor: User, now: datetime) -> Opportunity:
    ladder = load_ladder(session)
    if ladder.rank(lead.lifecycle_stage) >= ladder.rank(LifecycleStage.OPPORTUNITY):
        raise ValidationError({"lead": "Already an opportunity or a customer; add a new opportunity instead"})
    why = f"Qualified by {actor.email}"
    bant = set_bant(lead, values.bant)
    record_event(session, lead, "qualified", why, bant, actor)
    if lead.owner_team != OwnerTeam.SALES:
        record_event(session, lead, "owner_changed", f"{why}: sales owns qualified leads",
                     {"owner_team": [lead.owner_team, OwnerTeam.SALES.value]}, actor)  # fmt: skip
        lead.owner_team = OwnerTeam.SALES
    opportunity = create_opportunity(session, lead, values.opportunity, actor=actor, now=now, reason=why)
    set_status(session, lead, LeadStatus.QUALIFIED, why, actor)
    return opportunity
