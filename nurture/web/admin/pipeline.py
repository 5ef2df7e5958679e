"""Admin: the opportunity pipeline's stages (Opportunities → Pipeline). Everyone reads it; admins change it.

One form a stage row plus one to add a stage, all posting to ``submit`` with ``action`` naming what to do
(``save:KEY``, ``up:KEY``, ``down:KEY``, ``deactivate:KEY``, ``reactivate:KEY``, ``add``). Errors come back per
field under the form's names (``stage.KEY.name``, ``new.probability``) with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.definition_audit import recent_changes
from nurture.errors import ValidationError
from nurture.models import PipelineStage, Role, User
from nurture.opportunities.pipeline_edit import (
    SUBJECT,
    add_stage,
    all_stages,
    change_stage,
    move_stage,
    opportunity_counts,
    set_active,
)
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_pipeline", __name__, url_prefix="/opportunities/pipeline")
ALL = (Role.ADMIN, Role.MARKETER, Role.REP)
RECENT_CHANGES = 30


def _render(errors: dict[str, str] | None = None, typed: dict[str, str] | None = None, status: int = 200) -> Any:
    session = db()
    page = render_template("web/opportunities/pipeline.html", stages=all_stages(session), counts=opportunity_counts(session),
                           changes=recent_changes(session, (SUBJECT,), RECENT_CHANGES), may_edit=current_user.role == Role.ADMIN,
                           errors=errors or {}, typed=typed or {})  # fmt: skip
    return page, status


@bp.get("/")
@roles_required(*ALL)
def index() -> Any:
    return _render()


def _apply(action: str, key: str, actor: User | None) -> str:
    session, form, now = db(), request.form, utcnow()
    if action == "add":
        data = {name: form.get(f"new.{name}", "") for name in ("name", "key", "probability", "after")}
        stage = add_stage(session, data, actor, now)
        return f"Stage “{stage.name}” added."
    stage = session.scalar(select(PipelineStage).where(PipelineStage.key == key))
    if stage is None:
        raise ValidationError({"action": "No such stage"})
    if action == "save":
        data = {name: form.get(f"stage.{key}.{name}", "") for name in ("name", "probability")}
        return "Saved." if change_stage(session, stage, data, actor, now) else "Nothing changed."
    if action in ("up", "down"):
        move_stage(session, stage, -1 if action == "up" else 1, actor, now)
        return f"{stage.name} moved {action}."
    if action in ("deactivate", "reactivate"):
        set_active(session, stage, action == "reactivate", actor, now)
        return f"{stage.name} {action}d."
    raise ValidationError({"action": "Unknown action"})


@bp.post("/")
@roles_required(Role.ADMIN)
def submit() -> Any:
    session, form = db(), request.form
    action, _, key = form.get("action", "").partition(":")
    try:
        message = _apply(action, key, session.get(User, current_user.id))
    except ValidationError as exc:
        session.rollback()
        prefix = "new." if action == "add" else f"stage.{key}." if key else ""
        typed = {name: form.get(name, "")[:300] for name in form if name != "csrf_token"}
        return _render({(prefix if field != "action" else "") + field: msg for field, msg in exc.errors.items()}, typed, 422)
    session.commit()
    flash(message, "success")
    return redirect(url_for("admin_pipeline.index"))
