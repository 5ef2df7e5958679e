"""Admin: one task, for the rep doing it — the lead's context, then log the call, mark it done, or edit and send the draft.

Who may act is Today's rule: the task's owner, or an admin; marketers look only.
Completion goes through the cadence service, so a cadence waiting for the task wakes up.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from campaigns.cadence_tasks import complete_and_wake
from campaigns.manual_email import save_draft, send_manual_email
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.mail.system_email import transport_for
from nurture.models import Lead, LeadEvent, Role, Task, User
from nurture.tasks.work import CALL_OUTCOMES
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_tasks", __name__, url_prefix="/tasks")
ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)
DRAFT_FIELDS = ("subject", "text", "html")


def _task(task_id: int) -> Task:
    task = db().get(Task, task_id) or abort(404)
    if current_user.role == Role.REP and task.owner_user_id != current_user.id:
        abort(403)
    return task


def _may_act(task: Task) -> bool:
    return current_user.role == Role.ADMIN or (current_user.role == Role.REP and task.owner_user_id == current_user.id)


def _render(task: Task, values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    session = db()
    lead = session.get(Lead, task.lead_id) or abort(404)
    events = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id.desc()).limit(10))
    draft = {"subject": task.draft_subject or "", "text": task.draft_text or "", "html": task.draft_html or ""}
    page = render_template(
        "web/tasks/show.html", task=task, lead=lead, events=list(events), may_act=_may_act(task), outcomes=CALL_OUTCOMES,
        values={**draft, **(values or {})}, errors=errors or {},
    )  # fmt: skip
    return page, status


def _actor() -> User:
    return db().get(User, current_user.id) or abort(403)


@bp.get("/<int:task_id>")
@roles_required(*ANYONE)
def show(task_id: int) -> Any:
    return _render(_task(task_id))


@bp.post("/<int:task_id>/complete")
@roles_required(*ANYONE)
def complete(task_id: int) -> Any:
    session, task = db(), _task(task_id)
    if not _may_act(task):
        abort(403)
    values = {name: request.form.get(name, "")[:5001] for name in ("outcome", "notes")}
    try:
        complete_and_wake(session, task, {"outcome": values["outcome"] or None, "notes": values["notes"]}, actor=_actor(), now=utcnow())
    except ValidationError as exc:
        session.rollback()
        return _render(task, values, exc.errors, 422)
    session.commit()
    flash(f"Done: '{task.title}'.", "success")
    return redirect(url_for("admin_tasks.show", task_id=task.id))


def _draft_values() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in DRAFT_FIELDS}


@bp.post("/<int:task_id>/draft")
@roles_required(*ANYONE)
def draft(task_id: int) -> Any:
    """Save the edits without sending; the op button ``send`` sends them."""
    session, task = db(), _task(task_id)
    if not _may_act(task) or task.send_id is None:
        abort(403)
    values = _draft_values()
    if request.form.get("op") == "send":
        return _send(task, values)
    try:
        save_draft(session, task, values)
    except ValidationError as exc:
        session.rollback()
        return _render(task, values, exc.errors, 422)
    session.commit()
    flash("Draft saved.", "success")
    return redirect(url_for("admin_tasks.show", task_id=task.id))


def _send(task: Task, values: dict[str, str]) -> Any:
    session = db()
    settings = current_app.extensions["nurture.settings"]
    transport = transport_for(settings, session)
    try:
        result = send_manual_email(session, settings, transport, task, values, actor=_actor(), now=utcnow())
    except ValidationError as exc:
        session.rollback()
        return _render(task, values, exc.errors, 422)
    finally:
        transport.close()
    flash(result.message, "success" if result.sent else "error")
    return redirect(url_for("admin_tasks.show", task_id=task.id))
