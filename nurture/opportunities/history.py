"""Writing an opportunity's history: one row per change, with a reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.leads.timeline import jsonable
from nurture.models import Opportunity, OpportunityEvent, User


def plain(value: Any) -> Any:
    """A JSON-able value: amounts as strings (exact), dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return jsonable(value)


def record_opportunity_event(
    session: Session, opportunity: Opportunity, kind: str, reason: str, data: dict[str, Any], actor: User | None
) -> OpportunityEvent:
    event = OpportunityEvent(
        opportunity_id=opportunity.id,
        kind=kind,
        reason=reason[:500],
        data={k: [plain(v) for v in pair] if isinstance(pair, list) else plain(pair) for k, pair in data.items()},
        actor_user_id=actor.id if actor else None,
    )
    session.add(event)
    return event


def opportunity_history(session: Session, opportunity_id: int) -> list[tuple[OpportunityEvent, str | None]]:
    """Events newest first, with the actor's email."""
    return [
        (event, email)
        for event, email in session.execute(
            select(OpportunityEvent, User.email)
            .outerjoin(User, User.id == OpportunityEvent.actor_user_id)
            .where(OpportunityEvent.opportunity_id == opportunity_id)
            .order_by(OpportunityEvent.created_at.desc(), OpportunityEvent.id.desc())
        ).all()
    ]
