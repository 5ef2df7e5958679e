"""The handoff as it touches sequences: a sales-ready lead leaves nurture and, when one is configured, starts
the default sales cadence (``NURTURE_SALES_CADENCE``, a sequence of kind cadence, by name).

The promotion itself is the core's (nurture/handoff); the scheduler calls this right after it, in the same
transaction, so the core stays free of the sequence engine.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.enrollments import LIVE, enroll_named, finish
from campaigns.models import Enrollment, EnrollmentState, Sequence, SequenceKind
from nurture.config import Settings
from nurture.models import Lead


def after_handoff(session: Session, settings: Settings, lead: Lead, now: datetime) -> Enrollment | None:
    """End the lead's nurture enrollments, then enroll it in the default sales cadence if one is set."""
    nurturing = session.scalars(
        select(Enrollment)
        .join(Sequence, Sequence.id == Enrollment.sequence_id)
        .where(Enrollment.lead_id == lead.id, Enrollment.state.in_(LIVE), Sequence.kind == SequenceKind.NURTURE)
    ).all()
    for enrollment in nurturing:
        finish(session, enrollment, lead, EnrollmentState.EXITED, "Handed to sales", now)
    if not settings.sales_cadence:
        return None
    return enroll_named(
        session, settings.sales_cadence, lead, now=now, why="Handed to sales", skipped_kind="cadence_skipped",
        kind=SequenceKind.CADENCE,
    )  # fmt: skip
