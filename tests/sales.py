"""Helpers for sales-side tests: a lead handed to a rep, an opportunity, a sequence of either kind."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from campaigns.sequences import activate, create_sequence
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import Lead, Opportunity, User
from nurture.opportunities.create import create_opportunity

STEPS = [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]


def sales_lead(session: Session, rep: User | None, email: str = "sam@acme.com", **fields: Any) -> Lead:
    """A lead at SQL, owned by sales (and ``rep`` when given), as a handoff leaves it."""
    values = {"email": email, "first_name": "Sam", "lifecycle_stage": "sql", "owner_team": "sales",
              "source": "webinar", "source_detail": "Q4 webinar", **fields}  # fmt: skip
    if rep is not None:
        values["owner_user_id"] = rep.id
    lead = create_lead(session, validate_lead_input(values), reason="test")
    session.commit()
    return lead


def opportunity(session: Session, lead: Lead, actor: User, now: datetime, **values: Any) -> Opportunity:
    given = {"name": "Acme deal", "amount": Decimal("12500.00"), "currency": "EUR", "close_date": date(2027, 1, 31), **values}
    opp = create_opportunity(session, lead, given, actor=actor, now=now, reason="test")
    session.commit()
    return opp


def active_sequence(session: Session, name: str, now: datetime, kind: str = "nurture") -> Any:
    sequence = create_sequence(session, {"name": name, "kind": kind, "definition": {"steps": STEPS}})
    activate(session, sequence, now)
    session.commit()
    return sequence
