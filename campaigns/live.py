"""Live enrollments: active or paused (not yet completed or exited)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Enrollment, EnrollmentState, Sequence, SequenceKind

LIVE = (EnrollmentState.ACTIVE, EnrollmentState.PAUSED)


def live_cadences(session: Session, lead_ids: list[int]) -> list[Enrollment]:
    """The live enrollments of these leads in sequences of kind cadence, oldest first."""
    if not lead_ids:
        return []
    return list(
        session.scalars(
            select(Enrollment)
            .join(Sequence, Sequence.id == Enrollment.sequence_id)
            .where(Enrollment.lead_id.in_(lead_ids), Enrollment.state.in_(LIVE), Sequence.kind == SequenceKind.CADENCE)
            .order_by(Enrollment.id)
        )
    )
