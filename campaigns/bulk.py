"""Enrolling many leads at once (from a lead filter), in keyset batches, with counts by outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.enrollments import ALREADY_ENROLLED, ALREADY_FINISHED, enroll
from campaigns.models import Sequence
from nurture.errors import ValidationError
from nurture.leads.query import LeadFilters, apply_filters
from nurture.models import Lead, User

CHUNK = 500
MAX_LISTED = 1000  # refusals listed one by one; all are counted
ENROLLED = "enrolled"
# Leads already in (or through) the sequence are skipped: nothing is wrong with them. Every other
# reason (suppressed, the sequence paused meanwhile) is a refusal someone may want to look at.
SKIPS = (ALREADY_ENROLLED, ALREADY_FINISHED)


@dataclass(frozen=True)
class Refusal:
    lead_id: int
    email: str
    reason: str


def tally(outcome: Counter[str]) -> dict[str, int]:
    """Enrolled, skipped and refused, from an outcome counted by reason."""
    skipped = sum(n for reason, n in outcome.items() if reason in SKIPS)
    return {"enrolled": outcome[ENROLLED], "skipped": skipped, "refused": outcome.total() - outcome[ENROLLED] - skipped}


def bulk_enroll(
    session: Session,
    sequence: Sequence,
    filters: LeadFilters,
    *,
    now: datetime,
    by: str,
    actor: User | None = None,
    progress: Callable[[Counter[str]], None] | None = None,
    refusals: list[Refusal] | None = None,
) -> Counter[str]:
    """Enroll every lead matching ``filters`` (as ``actor``: enrollments.refusal's rules); refusals are
    counted by reason, never lost, and each is listed in ``refusals`` when given (up to MAX_LISTED).

    ``progress`` gets the outcome so far after each committed chunk.
    """
    outcome: Counter[str] = Counter()
    last_id = 0
    while True:
        leads = session.scalars(
            apply_filters(select(Lead), filters).where(Lead.id > last_id).order_by(Lead.id).limit(CHUNK)
        ).unique().all()
        if not leads:
            break
        for lead in leads:
            try:
                enroll(session, sequence, lead, now=now, by=by, actor=actor)
                outcome[ENROLLED] += 1
            except ValidationError as exc:
                reason = exc.errors.get("lead_id", "refused")
                outcome[reason] += 1
                if refusals is not None and len(refusals) < MAX_LISTED:
                    refusals.append(Refusal(lead.id, lead.email, reason))
        session.commit()
        last_id = leads[-1].id
        if progress:
            progress(outcome)
    return outcome
