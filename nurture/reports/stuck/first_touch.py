"""Sales-ready leads without a first touch: the handoff task is still open past its SLA deadline.

No task here: the SLA sweep (nurture/handoff/escalation.py) already escalates these.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.models import Lead, Task, User
from nurture.reports.stuck.items import Category, StuckContext, StuckItem, lead_name


def first_touch_overdue(session: Session, context: StuckContext) -> list[StuckItem]:
    rows = session.execute(
        select(Task.created_at, Task.due_at, Task.owner_user_id, User.email, Lead.id, Lead.email, Lead.first_name,
               Lead.last_name, Lead.source, Lead.source_detail)
        .join(Lead, Lead.id == Task.lead_id).outerjoin(User, User.id == Task.owner_user_id)
        .where(Task.kind == "first_touch", Task.completed_at.is_(None), Task.due_at < context.now)
        .order_by(Task.due_at, Task.id).limit(context.limit)
    )  # fmt: skip
    return [
        StuckItem("first_touch_overdue", lead_id, email, lead_name(first, last), owner_id, owner_email, str(source), campaign,
                  handed_at, f"First touch was due {due:%Y-%m-%d %H:%M} UTC")
        for handed_at, due, owner_id, owner_email, lead_id, email, first, last, source, campaign in rows
    ]  # fmt: skip


CATEGORY = Category("first_touch_overdue", "Sales-ready leads without a first touch (past the SLA)", first_touch_overdue)
