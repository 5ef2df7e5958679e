"""Automatic stops of a lead's live cadences, each with its reason on the timeline and the enrollment.

A reply from the lead, a meeting booked, an opportunity created or the lead
disqualified end its cadences here; a hard bounce and an unsubscribe end every
live enrollment (campaigns/inbound/actions.py, campaigns/tracking.py). The core
records what happened; the web layer, the inbound intake and the qualification
service call these right after, in the same transaction, so the core stays free
of the sequence engine (as campaigns/handoff.py does for the handoff).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.enrollments import exit_live_of_kind, finish
from campaigns.live import live_cadences
from campaigns.models import EnrollmentState, SequenceKind
from campaigns.versions import definition_of
from nurture.leads.domains import FREE_MAIL_DOMAINS
from nurture.models import Company, Lead

REPLIED = "replied"
MEETING_BOOKED = "meeting booked"
OPPORTUNITY_CREATED = "opportunity created"
DISQUALIFIED = "disqualified"


def stop_cadences(session: Session, lead: Lead, cause: str, now: datetime, detail: str = "") -> int:
    """End the lead's live cadence enrollments: "Cadence stopped: <cause>" (and who or what, when given)."""
    reason = f"Cadence stopped: {cause}" + (f" ({detail})" if detail else "")
    return exit_live_of_kind(session, lead, SequenceKind.CADENCE, reason, now)


def _company(session: Session, sender: str, lead: Lead | None) -> Company | None:
    domain = sender.rpartition("@")[2].lower()
    if domain and domain not in FREE_MAIL_DOMAINS:
        company = session.scalar(select(Company).where(Company.domain == domain))
        if company is not None:
            return company
    return lead.company if lead is not None else None


def company_reply(session: Session, sender: str, replied: Lead | None, now: datetime) -> list[str]:
    """A reply from anyone at a company stops, for the company's other leads, the cadences that ask for it
    (``stop_on_company_reply``). The company is the sender's email domain (not a mailbox provider's),
    else the replying lead's company."""
    company = _company(session, sender, replied)
    if company is None:
        return []
    others = {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.company_id == company.id))}
    others.pop(replied.id if replied is not None else 0, None)
    done = []
    wants: dict[int, bool] = {}
    for enrollment in live_cadences(session, list(others)):
        if enrollment.version_id not in wants:
            wants[enrollment.version_id] = definition_of(session, enrollment.version_id).cadence.stop_on_company_reply
        if wants[enrollment.version_id]:
            reason = f"Cadence stopped: someone at {company.domain} replied ({sender})"
            finish(session, enrollment, others[enrollment.lead_id], EnrollmentState.EXITED, reason, now)
            done.append(f"lead {enrollment.lead_id}: cadence stopped (company reply)")
    return done


def reply_stops(session: Session, lead: Lead | None, sender: str, now: datetime) -> list[str]:
    """What a human reply stops: the lead's cadences, and its company's where they ask for it."""
    done = []
    if lead is not None and (count := stop_cadences(session, lead, REPLIED, now, sender)):
        done.append(f"lead {lead.id}: {count} cadence(s) stopped (replied)")
    return done + company_reply(session, sender, lead, now)
