"""Qualification as it touches sequences: cadences stop, disqualified leads are recycled into nurture.

The lead and deal changes are the core's (nurture/qualification); this module
adds what needs the sequence engine, so the web layer and the scheduler call
these functions and the core stays free of campaigns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.enrollments import enroll_named
from campaigns.models import Enrollment
from campaigns.stops import DISQUALIFIED, OPPORTUNITY_CREATED, stop_cadences
from nurture.config import Settings
from nurture.models import Disqualification, DisqualificationReason, Lead, Opportunity, Task, User
from nurture.qualification.disqualify import disqualify
from nurture.qualification.inputs import DisqualifyInput, QualifyInput
from nurture.qualification.qualify import qualify
from nurture.qualification.resurface import due_disqualifications, resurface

# Junk is never nurtured; bad timing waits for its resurface date.
NOT_RECYCLED_NOW = (DisqualificationReason.JUNK, DisqualificationReason.BAD_TIMING)


def recycle_into_nurture(session: Session, settings: Settings, lead: Lead, now: datetime, why: str) -> Enrollment | None:
    """Enroll in the configured recycle sequence; a refusal (suppressed, already enrolled …) is on the timeline."""
    if not settings.recycle_sequence:
        return None
    return enroll_named(session, settings.recycle_sequence, lead, now=now, why=why, skipped_kind="recycle_skipped")


def qualify_lead(session: Session, lead: Lead, values: QualifyInput, *, actor: User, now: datetime) -> Opportunity:
    opportunity = qualify(session, lead, values, actor=actor, now=now)
    stop_cadences(session, lead, OPPORTUNITY_CREATED, now, f"'{opportunity.name}', qualified by {actor.email}")
    return opportunity


def disqualify_lead(
    session: Session, settings: Settings, lead: Lead, values: DisqualifyInput, *, actor: User, now: datetime
) -> Disqualification:
    disqualification = disqualify(session, lead, values, actor=actor, now=now)
    stop_cadences(session, lead, DISQUALIFIED, now, f"{values.reason.value.replace('_', ' ')}, by {actor.email}")
    if values.reason not in NOT_RECYCLED_NOW:
        recycle_into_nurture(session, settings, lead, now, f"Recycled after disqualification ({values.reason.value})")
    return disqualification


def resurface_due(session: Session, settings: Settings, now: datetime) -> int:
    """Every bad-timing lead whose date has come: back to new, then re-nurtured or a task for marketing."""
    count = 0
    for disqualification_id in due_disqualifications(session, now):
        lead = resurface(session, disqualification_id, now)
        if lead is not None:
            count += 1
            if recycle_into_nurture(session, settings, lead, now, "Resurfaced after bad timing") is None:
                session.add(Task(
                    lead_id=lead.id, owner_user_id=None, kind="resurfaced", created_at=now, due_at=now,
                    title=f"Bad timing is over: re-engage {lead.full_name or lead.email}",
                ))  # fmt: skip
        session.commit()
    return count
