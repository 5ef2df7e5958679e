"""A first touch not done by its due time escalates once: the manager hears, the timeline says, and
(if the policy says so) the lead goes to the next rep with a new task."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.handoff.first_touch import open_first_touch
from nurture.handoff.policy import Policy, current_policy
from nurture.handoff.routing import route_lead
from nurture.handoff.thresholds import Thresholds
from nurture.leads.timeline import record_event
from nurture.mail.system_email import send_system_email
from nurture.models import Lead, OwnerTeam, Task, User

BATCH = 100
MAX_BATCHES = 20  # per sweep; the next sweep continues


def due_breaches(session: Session, now: datetime, limit: int = BATCH) -> list[Task]:
    """Open, unescalated first touches past due (the partial index ix_tasks_unescalated_due)."""
    return list(
        session.scalars(
            select(Task)
            .where(Task.kind == "first_touch", Task.completed_at.is_(None), Task.escalated_at.is_(None), Task.due_at <= now)
            .order_by(Task.due_at, Task.id)
            .limit(limit)
        )
    )


def _claim(session: Session, task: Task, now: datetime) -> bool:
    """A conditional UPDATE: of two sweeps, or a sweep and the rep completing the task, one wins."""
    result = session.execute(
        update(Task)
        .where(Task.id == task.id, Task.escalated_at.is_(None), Task.completed_at.is_(None))
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    if (result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(task)
    return True


def _reassign(session: Session, settings: Settings, lead: Lead, task: Task, rep: User | None, now: datetime,
              thresholds: Thresholds) -> str:  # fmt: skip
    """Hand the lead to the next rep by routing; returns what happened, for the timeline and the email."""
    if lead.owner_team != OwnerTeam.SALES or lead.owner_user_id != task.owner_user_id:
        return "not reassigned: the lead changed hands already"
    route = route_lead(session, lead, now, exclude=[rep.id] if rep else [])
    if route.rep is None:
        return "not reassigned: no other rep available"
    moved = session.execute(
        update(Lead).where(Lead.id == lead.id, Lead.owner_user_id == task.owner_user_id).values(owner_user_id=route.rep.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if (moved.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return "not reassigned: the lead changed hands already"
    session.refresh(lead)
    task.completed_at, task.outcome = now, f"Reassigned to {route.rep.email} after the missed SLA"
    old = rep.email if rep else "nobody"
    record_event(
        session, lead, "owner_changed", f"Reassigned after a missed first touch: {old} → {route.rep.email} ({route.why})",
        {"owner_user_id": [task.owner_user_id, route.rep.id]},
    )  # fmt: skip
    why = f"Reassigned to you: the first touch by {old} was due {task.due_at:%Y-%m-%d %H:%M} UTC and not done."
    open_first_touch(session, settings, lead, route.rep, now, thresholds.sla_business_hours, why)
    return f"reassigned to {route.rep.email}"


def escalate(session: Session, settings: Settings, task: Task, now: datetime, thresholds: Thresholds) -> bool:
    """Escalate one breached task, once; False if it was done or escalated meanwhile."""
    if not _claim(session, task, now):
        return False
    lead = session.get(Lead, task.lead_id)
    if lead is None:
        return True
    rep = session.get(User, task.owner_user_id) if task.owner_user_id else None
    manager = session.get(User, rep.manager_user_id) if rep and rep.manager_user_id else None
    to = manager.email if manager is not None and manager.active else thresholds.escalation_email or None
    outcome = _reassign(session, settings, lead, task, rep, now, thresholds) if thresholds.reassign_on_breach else ""
    rep_name = rep.email if rep else "no rep (unassigned)"
    reason = (
        f"First touch by {rep_name} missed its deadline ({task.due_at:%Y-%m-%d %H:%M} UTC); "
        f"escalated to {to or 'nobody (no manager and no escalation address)'}" + (f"; {outcome}" if outcome else "")
    )
    record_event(session, lead, "sla_breached", reason,
                 {"task_id": task.id, "due_at": task.due_at, "rep_user_id": task.owner_user_id, "escalated_to": to})  # fmt: skip
    if to:
        text = (
            f"The first touch of {lead.full_name or lead.email} ({lead.email}) by {rep_name} was due "
            f"{task.due_at:%Y-%m-%d %H:%M} UTC and is not done ({_late(now - task.due_at)} late).\n"
            + (f"The lead was {outcome}.\n" if outcome else "")
            + f"\n{settings.base_url}/leads/{lead.id}\n"
        )
        send_system_email(settings, session, to, f"Missed first touch: {lead.full_name or lead.email}", text)
    return True


def _late(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def escalate_breaches(session: Session, settings: Settings, now: datetime, policy: Policy | None = None) -> int:
    """One sweep: escalate every breach due by ``now``, committing each; returns how many escalated."""
    thresholds = (policy or current_policy(session)).thresholds
    escalated = 0
    for _ in range(MAX_BATCHES):
        tasks = due_breaches(session, now)
        for task in tasks:
            escalated += escalate(session, settings, task, now, thresholds)
            session.commit()
        if len(tasks) < BATCH:
            break
    return escalated
