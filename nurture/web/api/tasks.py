"""API: tasks — list (own, or all for admins and marketers) with filters, create, complete with an outcome."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request

from campaigns.cadence_tasks import complete_and_wake
from campaigns.manual_email import send_manual_email
from nurture.db.base import utcnow
from nurture.mail.system_email import transport_for
from nurture.models import Role, Task
from nurture.tasks.query import FILTERS, list_tasks, parse_task_filters
from nurture.tasks.work import create_task
from nurture.web.api import blueprint
from nurture.web.api.body import json_object
from nurture.web.auth import api_roles, api_user
from nurture.web.db import db
from nurture.web.errors import error_response

ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)


def task_json(t: Task) -> dict[str, Any]:
    return {
        "id": t.id, "lead_id": t.lead_id, "owner_user_id": t.owner_user_id, "kind": t.kind, "title": t.title,
        "due_at": t.due_at.isoformat(), "completed_at": t.completed_at.isoformat() if t.completed_at else None,
        "outcome": t.outcome, "notes": t.notes, "created_at": t.created_at.isoformat(),
        "enrollment_id": t.enrollment_id, "step_id": t.step_id, "instructions": t.instructions,
        "draft": {"subject": t.draft_subject, "text": t.draft_text, "html": t.draft_html} if t.send_id else None,
    }  # fmt: skip


@blueprint.get("/v1/tasks", endpoint="list_tasks")
@api_roles(*ANYONE)
def index() -> Any:
    unknown = set(request.args) - {*FILTERS, "page", "per_page"}
    if unknown:
        return error_response(422, {name[:64]: "Unknown filter" for name in unknown})
    user, now = api_user(), utcnow()
    filters, page, per_page = parse_task_filters(request.args, user.id, may_see_all=user.role != Role.REP)
    result = list_tasks(db(), filters, now, page, per_page)
    return jsonify({"data": [task_json(t) for t in result.items],
                    "meta": {"page": page, "per_page": per_page, "total": result.total, "pages": result.pages}})  # fmt: skip


@blueprint.post("/v1/tasks", endpoint="create_task")
@api_roles(Role.ADMIN, Role.REP)
def create() -> Any:
    session = db()
    task = create_task(session, json_object(), actor=api_user(), now=utcnow())
    session.commit()
    response = jsonify(task_json(task))
    response.status_code = 201
    return response


@blueprint.post("/v1/tasks/<int:task_id>/complete")
@api_roles(*ANYONE)
def complete(task_id: int) -> Any:
    """The task's owner completes it; admins any; marketers the unassigned ones (marketing's queue)."""
    session, user = db(), api_user()
    task = session.get(Task, task_id)
    if task is None:
        return error_response(404, {"task": "Not found"})
    allowed = user.role == Role.ADMIN or task.owner_user_id == user.id or (user.role == Role.MARKETER and task.owner_user_id is None)
    if not allowed:
        return error_response(403, {"authorization": "Not your task"})
    complete_and_wake(session, task, json_object(), actor=user, now=utcnow())
    session.commit()
    return jsonify(task_json(task))


@blueprint.post("/v1/tasks/<int:task_id>/send")
@api_roles(Role.ADMIN, Role.REP)
def send(task_id: int) -> Any:
    """Send a manual email task's draft with the edits in the body (subject, text, html), at most once."""
    session, user = db(), api_user()
    task = session.get(Task, task_id)
    if task is None:
        return error_response(404, {"task": "Not found"})
    if user.role != Role.ADMIN and task.owner_user_id != user.id:
        return error_response(403, {"authorization": "Not your task"})
    if task.send_id is None:
        return error_response(422, {"task": "Not a manual email task"})
    settings = current_app.extensions["nurture.settings"]
    transport = transport_for(settings, session)
    try:
        result = send_manual_email(session, settings, transport, task, json_object(), actor=user, now=utcnow())
    finally:
        transport.close()
    if not result.sent:
        return error_response(409, {"send": result.message})
    return jsonify(task_json(task))
