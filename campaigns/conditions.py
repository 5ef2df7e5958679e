"""Branch conditions and goals, evaluated against the lead and its engagement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from campaigns.models import Enrollment, Send
from campaigns.steps import Condition, Goal
from nurture.models import EmailEvent, Lead, OwnerTeam
from nurture.stages.ladder import load_ladder


def _engaged(session: Session, enrollment: Enrollment, step_id: str, kind: str, within_days: int | None) -> bool:
    send = session.scalar(
        select(Send).where(
            Send.enrollment_id == enrollment.id, Send.version_id == enrollment.version_id, Send.step_id == step_id
        )
    )
    if send is None or send.sent_at is None:
        return False
    query = select(EmailEvent.id).where(
        EmailEvent.send_id == send.id, EmailEvent.kind == kind, EmailEvent.is_machine.is_(False)
    )
    if within_days is not None:
        query = query.where(EmailEvent.occurred_at <= send.sent_at + timedelta(days=within_days))
    return session.scalar(query.limit(1)) is not None


def field_value(lead: Lead, name: str) -> Any:
    if name.startswith("custom."):
        return (lead.custom_fields or {}).get(name.removeprefix("custom."))
    if name in ("company", "industry", "company_size", "website"):
        company = lead.company
        attribute = {"company": "name", "company_size": "size"}.get(name, name)
        return getattr(company, attribute) if company else None
    value = getattr(lead, name, None)
    return getattr(value, "value", value)


def compare(value: Any, op: str, expected: Any) -> bool:
    if op == "exists":
        return value not in (None, "") if expected in (None, True) else value in (None, "")
    if op == "equals":
        return value == expected or (isinstance(value, str) and isinstance(expected, str) and value.lower() == expected.lower())
    if op == "not_equals":
        return not compare(value, "equals", expected)
    if op == "in":
        return isinstance(expected, list) and any(compare(value, "equals", item) for item in expected)
    try:
        if op == "gte":
            return value is not None and float(value) >= float(expected)
        if op == "lte":
            return value is not None and float(value) <= float(expected)
    except (TypeError, ValueError):
        return False
    return False


def condition_holds(session: Session, enrollment: Enrollment, lead: Lead, condition: Condition) -> bool:
    if condition.type == "field":
        return compare(field_value(lead, condition.field or ""), condition.op or "equals", condition.value)
    kind = "open" if condition.type in ("opened", "not_opened") else "click"
    engaged = _engaged(session, enrollment, condition.step or "", kind, condition.within_days)
    return engaged if condition.type in ("opened", "clicked") else not engaged


def goal_reached(session: Session, enrollment: Enrollment, lead: Lead, goals: tuple[Goal, ...]) -> str | None:
    """The first goal the lead has met, described, or None."""
    for goal in goals:
        if goal.type == "stage_reached" and goal.stage:
            ladder = load_ladder(session)
            if ladder.rank(goal.stage) >= 0 and ladder.rank(lead.lifecycle_stage) >= ladder.rank(goal.stage):
                return f"Goal reached: stage {goal.stage}"
        elif goal.type == "handed_to_sales" and lead.owner_team == OwnerTeam.SALES:
            return "Goal reached: handed to sales"
        elif goal.type in ("replied", "clicked"):
            kind = "reply" if goal.type == "replied" else "click"
            hit = session.scalar(
                select(EmailEvent.id)
                .where(
                    and_(
                        EmailEvent.lead_id == lead.id,
                        EmailEvent.kind == kind,
                        EmailEvent.is_machine.is_(False),
                        EmailEvent.occurred_at >= enrollment.created_at,
                    )
                )
                .limit(1)
            )
            if hit is not None:
                return f"Goal reached: {goal.type}"
    return None
