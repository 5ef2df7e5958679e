"""Reading the lead's timeline: events newest first, with who made them and what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.models import LeadEvent, User

TIMELINE_LIMIT = 200


@dataclass
class TimelineEntry:
    event: LeadEvent
    actor_email: str | None
    # Field changes stored as {"field": [old, new]}, as (field, old, new).
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    # Anything else a kind of event records (form key, import file …).
    details: list[tuple[str, Any]] = field(default_factory=list)


def _is_change(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def lead_timeline(session: Session, lead_id: int, limit: int = TIMELINE_LIMIT) -> list[TimelineEntry]:
    """The latest ``limit`` events of a lead, newest first."""
    rows = session.execute(
        select(LeadEvent, User.email)
        .outerjoin(User, User.id == LeadEvent.actor_user_id)
        .where(LeadEvent.lead_id == lead_id)
        .order_by(LeadEvent.created_at.desc(), LeadEvent.id.desc())
        .limit(limit)
    )
    entries = []
    for event, actor_email in rows:
        data = event.data or {}
        entries.append(
            TimelineEntry(
                event,
                actor_email,
                changes=[(k, v[0], v[1]) for k, v in data.items() if _is_change(v)],
                details=[(k, v) for k, v in data.items() if not _is_change(v)],
            )
        )
    return entries
