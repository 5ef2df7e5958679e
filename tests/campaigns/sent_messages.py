"""A message already sent to a lead (its ledger row), for tests and benchmarks of what happens after delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.models import Enrollment, Send, SendState, Sequence
from nurture.models import Lead


def sent_message(session: Session, sequence: Sequence, lead: Lead, sent_at: datetime) -> Send:
    """An enrollment of ``lead`` in ``sequence`` whose first step was delivered at ``sent_at`` (flushed)."""
    enrollment = Enrollment(lead_id=lead.id, sequence_id=sequence.id, version_id=sequence.current_version_id, created_at=sent_at)
    session.add(enrollment)
    session.flush()
    send = Send(enrollment_id=enrollment.id, version_id=sequence.current_version_id, step_id="a", lead_id=lead.id,
                rcpt_to=lead.email, state=SendState.SENT, sent_at=sent_at)  # fmt: skip
    session.add(send)
    session.flush()
    return send
