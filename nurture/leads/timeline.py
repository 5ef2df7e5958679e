"""Writing the lead's timeline: every change is an event row with a reason."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from nurture.models import Lead, LeadEvent, User


def jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def event_row(lead: Lead, kind: str, reason: str, data: dict[str, Any] | None, at: datetime) -> dict[str, Any]:
    """The same event as ``record_event``, as a row for a batch's Core insert (no ORM object)."""
    return {"lead_id": lead.id, "kind": kind, "reason": reason[:500],
            "data": {k: jsonable(v) for k, v in (data or {}).items()}, "created_at": at}  # fmt: skip


def record_event(
    session: Session,
    lead: Lead,
    kind: str,
    reason: str,
    data: dict[str, Any] | None = None,
    actor: User | None = None,
) -> LeadEvent:
    event = LeadEvent(
        lead_id=lead.id,
        kind=kind,
        reason=reason[:500],
        data={k: jsonable(v) for k, v in (data or {}).items()},
        actor_user_id=actor.id if actor else None,
    )
    session.add(event)
    return event
