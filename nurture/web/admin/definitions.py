"""Admin → Definitions: the team's glossary of lifecycle stages. Everyone reads it; admins edit it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from nurture.errors import ValidationError
from nurture.handoff.policy import current_policy
from nurture.models import OwnerTeam, Role, Stage, StageChange, User
from nurture.stages.counts import lead_counts
from nurture.stages.criteria import SCORE_MODES, describe
from nurture.stages.edit import BUILT_IN, create_stage, move_stage, restore_stage, retire_stage, update_stage
from nurture.stages.ladder import view
from nurture.web.admin.nav import ALL
from nurture.web.admin.statuses_bands import statuses_bands_context
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_definitions", __name__, url_prefix="/definitions")
TEXT_FIELDS = ("key", "name", "definition", "owner_team", "max_age_days", "after")
CRITERIA_FIELDS = ("score", "min_engagement", "min_fit", "signals", "fields")
RECENT_CHANGES = 20


def _me() -> User:
    return db().get(User, current_user.id) or abort(403)


@bp.get("/")
@roles_required(*ALL)
def index() -> Any:
    session = db()
    policy = current_policy(session).thresholds
    stages = list(session.scalars(select(Stage).order_by(Stage.position, Stage.id)))
    rows = [(stage, describe(view(stage).criteria, policy)) for stage in stages]
    changes = session.execute(
        select(StageChange, User.email).outerjoin(User, User.id == StageChange.actor_user_id)
        .order_by(StageChange.id.desc()).limit(RECENT_CHANGES)
    ).all()  # fmt: skip
    return render_template("web/definitions/index.html", rows=rows, counts=lead_counts(session), built_in=BUILT_IN,
                           changes=changes, may_edit=current_user.role == Role.ADMIN,
                           **statuses_bands_context(session))  # fmt: skip


def _values(stage: Stage | None) -> dict[str, str]:
    """The form's fields as text: criteria.signals one group a line ("page:/pricing + reply")."""
    if stage is None:
        return {**dict.fromkeys(TEXT_FIELDS, ""), "owner_team": "marketing", **{f"criteria.{n}": "" for n in CRITERIA_FIELDS}}
    criteria = view(stage).criteria
    return {
        "key": stage.key, "name": stage.name, "definition": stage.definition, "owner_team": OwnerTeam(stage.owner_team).value,
        "max_age_days": "" if stage.max_age_days is None else str(stage.max_age_days), "after": "",
        "criteria.score": criteria.score,
        "criteria.min_engagement": "" if criteria.min_engagement is None else str(criteria.min_engagement),
        "criteria.min_fit": "" if criteria.min_fit is None else str(criteria.min_fit),
        "criteria.signals": "\n".join(" + ".join(group) for group in criteria.signals),
        "criteria.fields": "\n".join(_condition_line(r.field, r.op, r.value) for r in criteria.fields),
    }  # fmt: skip


def _condition_line(field: str, op: str, value: Any) -> str:
    """A field condition as typed in the form: ``country in DE, AT``, ``title exists``."""
    shown = ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
    return f"{field} {op} {shown}".strip()


def _posted() -> tuple[dict[str, str], dict[str, Any]]:
    """(what was typed, to show again; the data for the service)."""
    values = {name: request.form.get(name, "")[:2000] for name in (*TEXT_FIELDS, *(f"criteria.{n}" for n in CRITERIA_FIELDS))}
    data: dict[str, Any] = {name: values[name] for name in TEXT_FIELDS}
    data["criteria"] = {name: values[f"criteria.{name}"] for name in CRITERIA_FIELDS}
    return values, data


def _stage(key: str) -> Stage:
    return db().scalar(select(Stage).where(Stage.key == key)) or abort(404)


def _form(stage: Stage | None, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    stages = list(db().scalars(select(Stage).where(Stage.retired_at.is_(None)).order_by(Stage.position, Stage.id)))
    page = render_template("web/definitions/stage.html", stage=stage, values=values, errors=errors, stages=stages,
                           score_modes=SCORE_MODES, teams=[t.value for t in OwnerTeam])  # fmt: skip
    return page, status


@bp.route("/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route("/<key>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def stage(key: str | None) -> Any:
    session = db()
    existing = _stage(key) if key is not None else None
    if request.method == "GET":
        return _form(existing, _values(existing), {})
    values, data = _posted()
    try:
        if existing is None:
            saved = create_stage(session, data, _me())
        else:
            data.pop("key"), data.pop("after")  # keys never change; order is changed with the arrows
            saved = update_stage(session, existing, data, _me())
    except ValidationError as exc:
        session.rollback()
        return _form(existing, values, exc.errors, 422)
    session.commit()
    flash(f"Stage “{saved.name}” saved.", "success")
    return redirect(url_for("admin_definitions.index"))


@bp.post("/<key>/<action>")
@roles_required(Role.ADMIN)
def act(key: str, action: str) -> Any:
    session = db()
    item = _stage(key)
    changes = {"up": lambda: move_stage(session, item, -1, _me()), "down": lambda: move_stage(session, item, 1, _me()),
               "retire": lambda: retire_stage(session, item, _me()), "restore": lambda: restore_stage(session, item, _me())}  # fmt: skip
    if action not in changes:
        abort(404)
    try:
        changes[action]()
    except ValidationError as exc:
        session.rollback()
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("admin_definitions.index"))
    session.commit()
    return redirect(url_for("admin_definitions.index"))
