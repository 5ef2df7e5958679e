"""The buying signals a lead gave: forms it submitted (by key), pages it visited, replies, meetings booked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.models import ActivityEvent, EmailEvent, LeadEvent
from nurture.stages.criteria import Signals

EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def lead_signals(session: Session, lead_id: int, since: datetime | None = None) -> Signals:
    """Three small indexed queries; only signals after ``since`` (its last disqualification) count."""
    since = since or EPOCH
    forms = session.scalars(
        select(LeadEvent.data).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "form_submitted", LeadEvent.created_at > since)
    )
    activity = session.execute(
        select(ActivityEvent.kind, ActivityEvent.url)
        .where(ActivityEvent.lead_id == lead_id, ActivityEvent.kind.in_(("page_visit", "meeting_booked")), ActivityEvent.occurred_at > since)
    ).all()  # fmt: skip
    replied = session.scalar(
        select(EmailEvent.id).where(EmailEvent.lead_id == lead_id, EmailEvent.kind == "reply", EmailEvent.is_machine.is_(False),
                                    EmailEvent.occurred_at > since).limit(1)
    )  # fmt: skip
    return Signals(
        forms=frozenset(str(data.get("form_key")) for data in forms if data and data.get("form_key")),
        pages=tuple(url for kind, url in activity if kind == "page_visit" and url),
        replied=replied is not None,
        meeting_booked=any(kind == "meeting_booked" for kind, _url in activity),
    )
