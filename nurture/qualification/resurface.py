"""Bad timing over: on its resurface date a disqualified lead comes back (status new, an event)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nurture.leads.progress import set_status
from nurture.leads.timeline import record_event
from nurture.models import Disqualification, Lead, LeadStatus

BATCH = 500


def due_disqualifications(session: Session, now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        session.scalars(
            select(Disqualification.id)
            .where(Disqualification.resurfaced_at.is_(None), Disqualification.resurface_on.is_not(None),
                   Disqualification.resurface_on <= now.date())
            .order_by(Disqualification.resurface_on, Disqualification.id)
            .limit(limit)
        )
    )  # fmt: skip


def resurface(session: Session, disqualification_id: int, now: datetime) -> Lead | None:
    """Claim the row (a conditional UPDATE: two schedulers never both resurface it); returns the lead if it came back.

    A lead whose status moved on meanwhile (it re-engaged and was handed off again) is left as it is.
    """
    claimed = session.execute(
        update(Disqualification)
        .where(Disqualification.id == disqualification_id, Disqualification.resurfaced_at.is_(None))
        .values(resurfaced_at=now)
        .execution_options(synchronize_session=False)
    )
    if (claimed.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(Disqualification, disqualification_id)
    lead = session.get(Lead, row.lead_id) if row else None
    if row is None or lead is None:
        return None
    when = row.resurface_on.isoformat() if row.resurface_on else "today"
    if lead.lead_status != LeadStatus.BAD_TIMING:
        record_event(session, lead, "resurface_skipped", f"Bad timing ended {when}, but the lead is now {lead.lead_status}",
                     {"disqualification_id": row.id})  # fmt: skip
        return None
    reason = f"Bad timing ended ({when}): the lead resurfaces"
    record_event(session, lead, "resurfaced", reason, {"disqualification_id": row.id})
    set_status(session, lead, LeadStatus.NEW, reason, None)
    return lead
