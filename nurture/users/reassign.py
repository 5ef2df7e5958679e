"""A rep away: their leads, and the open tasks on them, go to another rep (or one chosen by the routing rules).

Each lead's new owner is on its timeline (``owner_changed``, with the reason). Open tasks follow the lead;
the rep's open tasks on leads that stay (none chosen) stay too. Cadence enrollments continue unchanged:
their emails go out from whoever owns the lead when they are sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nurture.handoff.routing import route_lead
from nurture.leads.timeline import record_event
from nurture.models import Lead, Task, User


@dataclass
class Reassignment:
    moved: dict[int, int] = field(default_factory=dict)  # lead id → new owner id
    unrouted: list[int] = field(default_factory=list)  # no rep available: the lead stays where it was
    tasks: int = 0


def reassign_leads(session: Session, rep: User, to: User | None, *, actor: User, now: datetime, why: str) -> Reassignment:
    """Give every lead ``rep`` owns to ``to``, or, when None, to the rep the routing rules choose (never ``rep``)."""
    result = Reassignment()
    leads = session.scalars(select(Lead).where(Lead.owner_user_id == rep.id).order_by(Lead.id)).all()
    for lead in leads:
        if to is not None:
            new, how = to, f"to {to.email}"
        else:
            route = route_lead(session, lead, now, exclude=[rep.id])
            new, how = route.rep, f"by the routing rules ({route.why})"
        if new is None:
            result.unrouted.append(lead.id)
            continue
        lead.owner_user_id = new.id
        record_event(session, lead, "owner_changed", f"{why}: reassigned from {rep.email} {how}",
                     {"owner_user_id": [rep.id, new.id]}, actor)  # fmt: skip
        result.moved[lead.id] = new.id
        session.flush()  # the routing rules count this lead in its new owner's load
    for lead_id, owner_id in result.moved.items():
        moved = session.execute(
            update(Task).where(Task.lead_id == lead_id, Task.owner_user_id == rep.id, Task.completed_at.is_(None))
            .values(owner_user_id=owner_id)
        )  # fmt: skip
        result.tasks += moved.rowcount or 0  # type: ignore[attr-defined]
    return result
