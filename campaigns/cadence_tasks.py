"""Cadence task steps (call, social, task, manual email): the Task a step creates, and the wait for it.

Who gets the task: the lead's owner; else the user who enrolled the lead (the
address in ``enrolled_by``, e.g. "API (rep@example.com)"); else nobody, and the
task sits in the unassigned queue that admins and marketers see. A step with
``wait_for_previous_task`` holds the enrollment until the latest task of the
enrollment is completed; completing it pulls the enrollment's next run to now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from markupsafe import escape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from campaigns.identity import identity_for, mailboxes_of
from campaigns.messages import render_variant
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from campaigns.steps import SequenceDefinition, TaskStep
from campaigns.threading import first_emails, reply_subject
from nurture.config import Settings
from nurture.leads.timeline import event_row
from nurture.mail.tokens import TokenSigner
from nurture.models import Lead, Task, User
from nurture.tasks.work import complete_task

TASK_KIND = {"call": "call", "social": "social", "task": "task", "manual_email": "email"}
# A waiting enrollment looks again this often, in case a completion's wake-up met it mid-claim.
RECHECK = timedelta(minutes=15)
ADDRESS = re.compile(r"[^\s()<>]+@[^\s()<>]+")


def task_owner(session: Session, lead: Lead, enrollment: Enrollment) -> User | None:
    if lead.owner_user_id is not None:
        return session.get(User, lead.owner_user_id)
    found = ADDRESS.search(enrollment.enrolled_by or "")
    if found is None:
        return None
    return session.scalar(select(User).where(func.lower(User.email) == found.group(0).lower(), User.active))


def create_step_task(
    session: Session, settings: Settings, enrollment: Enrollment, lead: Lead, definition: SequenceDefinition,
    step: TaskStep, now: datetime, events: list[dict[str, Any]],
) -> Task:  # fmt: skip
    """The step's task, due now; a manual email's carries its draft, rendered for the lead as sending renders it."""
    owner = task_owner(session, lead, enrollment)
    title = step.title if step.network is None or step.network in step.title else f"{step.title} ({step.network})"
    task = Task(
        lead_id=lead.id, owner_user_id=owner.id if owner else None, kind=TASK_KIND[step.kind], title=title[:300],
        due_at=now, created_at=now, enrollment_id=enrollment.id, step_id=step.id, instructions=step.instructions,
    )  # fmt: skip
    if step.kind == "manual_email":
        _attach_draft(session, settings, task, enrollment, lead, definition, step, owner)
    session.add(task)
    session.flush()
    who = owner.email if owner else "the unassigned queue"
    events.append(event_row(lead, "task_created", f"Cadence step '{step.id}': {task.kind} task '{task.title}' for {who}",
                            {"task_id": task.id, "enrollment_id": enrollment.id}, now))  # fmt: skip
    return task


def _attach_draft(
    session: Session, settings: Settings, task: Task, enrollment: Enrollment, lead: Lead,
    definition: SequenceDefinition, step: TaskStep, owner: User | None,
) -> None:  # fmt: skip
    send = session.scalar(
        select(Send).where(Send.enrollment_id == enrollment.id, Send.version_id == enrollment.version_id, Send.step_id == step.id)
    )
    if send is None:  # the ledger row the rep's send will claim: at most once, like any step
        send = Send(enrollment_id=enrollment.id, version_id=enrollment.version_id, step_id=step.id, variant=step.variants[0].id,
                    lead_id=lead.id, rcpt_to=lead.email, state=SendState.PENDING, attempts=0)  # fmt: skip
        session.add(send)
        session.flush()
    identity = identity_for(definition, settings, mailboxes_of(session, [owner.id if owner else None]).get(owner.id if owner else 0))
    unsubscribe_url = f"{settings.base_url}/u/{TokenSigner(settings.secret_key).unsubscribe_token(send.id)}"
    rendered = render_variant(lead, owner, definition, step.variants[0], settings, unsubscribe_url, identity)
    uses_signature = any("signature" in (part or "") for part in (step.variants[0].html, step.variants[0].text))
    signature = identity.signature.strip() if identity.signature and not uses_signature else ""
    subject = rendered.subject
    if step.thread and (first := first_emails(session, [enrollment.id]).get(enrollment.id)) is not None:
        subject = reply_subject(first.subject or subject)
    task.send_id = send.id
    task.draft_subject = subject[:998]
    task.draft_text = rendered.text + (f"\n\n{signature}" if signature else "")
    task.draft_html = rendered.html + (_html_signature(signature) if signature else "")


def _html_signature(signature: str) -> str:
    return "<p>" + str(escape(signature)).replace("\n", "<br>") + "</p>"


def open_previous_task(session: Session, enrollment: Enrollment) -> Task | None:
    """The enrollment's latest task, if it is still open."""
    task = session.scalar(select(Task).where(Task.enrollment_id == enrollment.id).order_by(Task.id.desc()).limit(1))
    return task if task is not None and task.completed_at is None else None


def latest_completion(session: Session, enrollment: Enrollment) -> datetime | None:
    return session.scalar(
        select(Task.completed_at).where(Task.enrollment_id == enrollment.id).order_by(Task.id.desc()).limit(1)
    )


def wake(session: Session, task: Task, now: datetime) -> None:
    """Pull the task's enrollment forward to now (unless a worker holds it: its recheck comes soon)."""
    if task.enrollment_id is None:
        return
    session.execute(
        update(Enrollment)
        .where(Enrollment.id == task.enrollment_id, Enrollment.state == EnrollmentState.ACTIVE,
               Enrollment.claim_token.is_(None), Enrollment.next_run_at > now)
        .values(next_run_at=now)
    )  # fmt: skip


def complete_and_wake(session: Session, task: Task, data: Mapping[str, Any], *, actor: User, now: datetime) -> Task:
    """Complete a task (the tasks service) and wake the cadence that may wait for it."""
    complete_task(session, task, data, actor=actor, now=now)
    wake(session, task, now)
    return task
