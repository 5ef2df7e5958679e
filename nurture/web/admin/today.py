"""Admin: Today — a rep's open tasks due today or overdue, each completed in one click.

Reps see and complete their own; admins any rep's (``?rep=<id>``); marketers may
look at a rep's day but not complete its tasks (the tasks are the rep's work).
Completion is the tasks API's service, so the timeline and status moves match.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from campaigns.cadence_tasks import complete_and_wake
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.handoff.policy import current_policy
from nurture.models import Role, Task, User
from nurture.pagination import parse_page
from nurture.tasks.today import today_tasks
from nurture.tasks.work import CALL_OUTCOMES
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_today", __name__, url_prefix="/today")
ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)


def _viewed_rep() -> User:
    """Whose day: your own, or for admins and marketers the ``rep`` asked for."""
    asked = request.args.get("rep", "")
    if not asked or asked == str(current_user.id):
        return db().get(User, current_user.id) or abort(403)
    if current_user.role == Role.REP:
        abort(403)
    user = db().get(User, int(asked)) if asked.isdigit() and int(asked) < 2**31 else None
    return user or abort(404)


def _may_complete(task: Task) -> bool:
    return current_user.role == Role.ADMIN or (current_user.role == Role.REP and task.owner_user_id == current_user.id)


def _render(rep: User, failed: int | None = None, values: dict[str, str] | None = None,
            errors: dict[str, str] | None = None, status: int = 200) -> Any:  # fmt: skip
    session, now = db(), utcnow()
    page_number, _ = parse_page(request.args, {})  # a bad page number shows the first page
    tasks = today_tasks(session, rep.id, now, current_policy(session).rules, page=page_number)
    reps = [] if current_user.role == Role.REP else list(session.scalars(select(User).where(User.role == Role.REP, User.active).order_by(User.email)))
    page = render_template(
        "web/today/index.html", rep=rep, rows=tasks.items, page=tasks, page_args=_page_args(rep), reps=reps,
        mine=rep.id == current_user.id, now=now,
        may_complete=current_user.role != Role.MARKETER, outcomes=CALL_OUTCOMES, failed=failed, values=values or {}, errors=errors or {},
    )  # fmt: skip
    return page, status


def _page_args(rep: User) -> dict[str, Any]:
    return {} if rep.id == current_user.id else {"rep": rep.id}


@bp.get("/")
@roles_required(*ANYONE)
def index() -> Any:
    return _render(_viewed_rep())


@bp.post("/tasks/<int:task_id>/complete")
@roles_required(*ANYONE)
def complete(task_id: int) -> Any:
    session = db()
    task = session.get(Task, task_id)
    if task is None:
        abort(404)
    if not _may_complete(task):
        abort(403)
    values = {name: request.form.get(name, "")[:5001] for name in ("outcome", "notes")}
    data = {"outcome": values["outcome"] or None, "notes": values["notes"]}
    actor = session.get(User, current_user.id) or abort(403)
    owner = session.get(User, task.owner_user_id) if task.owner_user_id else None
    back = {"rep": owner.id} if owner is not None and owner.id != actor.id else {}
    try:
        complete_and_wake(session, task, data, actor=actor, now=utcnow())  # a cadence waiting for it wakes
    except ValidationError as exc:
        session.rollback()
        return _render(owner or actor, task.id, values, exc.errors, 422)
    session.commit()
    outcome = f": {task.outcome.replace('_', ' ')}" if task.outcome else ""
    flash(f"Done: '{task.title}'{outcome}.", "success")
    return redirect(url_for("admin_today.index", **back))
