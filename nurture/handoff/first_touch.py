"""The first-touch task a rep gets with a lead (at handoff, or on reassignment), and the email telling them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.handoff.sla import due_after_business_hours
from nurture.mail.system_email import send_system_email
from nurture.models import Lead, Task, User


def open_first_touch(
    session: Session, settings: Settings, lead: Lead, rep: User | None, now: datetime, sla_hours: int, why: str
) -> Task:
    """Add the task, due within the SLA in business hours; email the rep ``why`` (the score's explanation)."""
    task = Task(
        lead_id=lead.id, owner_user_id=rep.id if rep else None, kind="first_touch",
        title=f"First touch: {lead.full_name or lead.email} is sales-ready",
        due_at=due_after_business_hours(now, sla_hours), created_at=now,
    )  # fmt: skip
    session.add(task)
    if rep is not None:
        text = (
            f"{lead.full_name or lead.email} ({lead.email}) is sales-ready and now yours.\n"
            f"First touch due by {task.due_at:%Y-%m-%d %H:%M} UTC.\n\n{why}\n\n"
            f"{settings.base_url}/leads/{lead.id}\n"
        )
        send_system_email(settings, session, rep.email, f"Sales-ready lead: {lead.full_name or lead.email}", text)
    return task
