"""Creating a task for a lead and completing it with an outcome (calls: connected, no answer, voicemail, wrong number)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.progress import set_status
from nurture.leads.text import clean_text
from nurture.leads.timeline import record_event
from nurture.leads.validation import parse_datetime
from nurture.models import Lead, LeadStatus, Role, Task, User
from nurture.opportunities.validation import parse_id

KINDS = ("call", "email", "social", "task", "first_touch", "resurfaced")
CALL_OUTCOMES = ("connected", "no_answer", "voicemail", "wrong_number")
# A call moves a fresh lead's working status along; other outcomes leave it.
STATUS_AFTER_CALL = {"connected": LeadStatus.CONNECTED, "no_answer": LeadStatus.ATTEMPTING, "voicemail": LeadStatus.ATTEMPTING}
MOVABLE_STATUSES = (LeadStatus.NEW, LeadStatus.ATTEMPTING)
CREATE_FIELDS = frozenset({"lead_id", "kind", "title", "due_at", "owner_user_id"})


def create_task(session: Session, data: Mapping[str, Any], *, actor: User, now: datetime) -> Task:
    """A rep creates tasks for themselves on their own leads; admins for anyone."""
    errors: dict[str, str] = {str(k)[:64]: "Unknown field" for k in data if k not in CREATE_FIELDS}
    lead_id, error = parse_id(data.get("lead_id"))
    lead = session.get(Lead, lead_id) if lead_id else None
    if error or lead is None:
        errors["lead_id"] = error or "No lead with this id"
    kind = data.get("kind") or "task"
    if kind not in KINDS:
        errors["kind"] = "One of " + ", ".join(KINDS)
    title, error = clean_text(data.get("title"), 300)
    if error or not title:
        errors["title"] = error or "Required field missing"
    due_at, error = parse_datetime(data.get("due_at")) if data.get("due_at") else (now, None)
    if error:
        errors["due_at"] = error
    owner_id = actor.id
    if data.get("owner_user_id") is not None:
        owner_id, error = parse_id(data["owner_user_id"])
        owner = session.get(User, owner_id) if owner_id else None
        if error or owner is None or not owner.active:
            errors["owner_user_id"] = error or "No active user with this id"
        elif actor.role != Role.ADMIN and owner_id != actor.id:
            errors["owner_user_id"] = "Reps create tasks for themselves"
    if lead is not None and actor.role == Role.REP and lead.owner_user_id != actor.id:
        errors["lead_id"] = "Reps create tasks on their own leads"
    if errors:
        raise ValidationError(errors)
    assert lead is not None and due_at is not None
    task = Task(lead_id=lead.id, owner_user_id=owner_id, kind=kind, title=title, due_at=due_at, created_at=now)
    session.add(task)
    session.flush()
    record_event(session, lead, "task_created", f"Task '{title}' ({kind}) by {actor.email}", {"task_id": task.id}, actor)
    return task


def complete_task(session: Session, task: Task, data: Mapping[str, Any], *, actor: User, now: datetime) -> Task:
    errors: dict[str, str] = {str(k)[:64]: "Unknown field" for k in data if k not in ("outcome", "notes")}
    if task.completed_at is not None:
        errors["task"] = "Already completed"
    outcome = data.get("outcome")
    if task.kind == "call":
        if outcome not in CALL_OUTCOMES:
            errors["outcome"] = "One of " + ", ".join(CALL_OUTCOMES)
    else:
        outcome, error = clean_text(outcome, 200)
        if error:
            errors["outcome"] = error
    notes = data.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > 5000):
        errors["notes"] = "Text of at most 5000 characters"
    if errors:
        raise ValidationError(errors)
    task.completed_at, task.outcome, task.notes = now, outcome, (notes or "").strip() or None
    lead = session.get(Lead, task.lead_id)
    if lead is not None:
        what = f"{task.kind.replace('_', ' ')} '{task.title}' completed by {actor.email}" + (f": {outcome.replace('_', ' ')}" if outcome else "")
        record_event(session, lead, "task_completed", what.capitalize(), {"task_id": task.id, "outcome": outcome, "notes": task.notes}, actor)
        status = STATUS_AFTER_CALL.get(outcome or "") if task.kind == "call" else None
        if status is not None and lead.lead_status in MOVABLE_STATUSES:
            set_status(session, lead, status, f"Call outcome: {outcome}", actor)
    return task
