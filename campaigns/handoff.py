"""The handoff as it touches sequences: a sales-ready lead leaves nurture and, when one is configured, starts
the default sales cadence (``NURTURE_SALES_CADENCE``, a sequence of kind cadence, by name).

The promotion itself is the core's (nurture/handoff); the scheduler calls this right after it, in the same
transaction, so the core stays free of the sequence engine.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.enrollments import enroll_named, exit_live_of_kind
from campaigns.models import Enrollment, SequenceKind
from nurture.config import Settings
from nurture.models import Lead


def after_handoff(session: Session, settings: Settings, lead: Lead, now: datetime) -> Enrollment | None:
    """End the lead's nurture enrollments, then enroll it in the default sales cadence if one is set."""
    exit_live_of_kind(session, lead, SequenceKind.NURTURE, "Handed to sales", now)
    if not settings.sales_cadence:
        return None
    return enroll_named(
        session, settings.sales_cadence, lead, now=now, why="Handed to sales", skipped_kind="cadence_skipped",
        kind=SequenceKind.CADENCE,
    )  # fmt: skip
