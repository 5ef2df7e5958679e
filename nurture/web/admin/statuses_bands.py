"""Admin: the lead status values and the grade/temperature bands, with their audit history.

Everyone may read (the team's shared words); only admins change them. The
page is a partial (templates/web/definitions/_statuses_bands.html) shown here
on its own and meant to be included by the Definitions page: render it with
``statuses_bands_context(session)``. Bands are saved as a new scoring policy
version (the Scoring page's own store), so both pages always agree.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.db.base import utcnow
from nurture.definition_audit import recent_changes
from nurture.errors import ValidationError
from nurture.handoff.policy import current_policy, save_policy
from nurture.leads.status_admin import ENGINE_KEYS, SUBJECT, add_status, rename_status, restore_status, retire_status
from nurture.leads.status_values import status_values
from nurture.models import Lead, OwnerTeam, Role, User
from nurture.scoring.band_changes import BAND_SUBJECTS
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_statuses_bands", __name__, url_prefix="/definitions/statuses-and-bands")
ALL = (Role.ADMIN, Role.MARKETER, Role.REP)
BAND_KINDS = ("grade_bands", "temperature_bands")


def band_values(session: Session) -> dict[str, str]:
    rules = current_policy(session).rules.to_dict()
    return {f"{kind}.{name}": str(floor) for kind in BAND_KINDS for name, floor in rules[kind].items()}


def statuses_bands_context(session: Session, errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> dict[str, Any]:
    """What the partial needs, under one name (``render_template(..., **statuses_bands_context(db()))``)."""
    rules = current_policy(session).rules
    counts = dict(session.execute(select(Lead.lead_status, func.count()).group_by(Lead.lead_status)).all())
    return {"statuses_bands": {
        "statuses": status_values(session, include_retired=True), "status_counts": counts, "engine_keys": ENGINE_KEYS,
        "teams": [t.value for t in OwnerTeam], "grade_bands": rules.grade_bands, "temperature_bands": rules.temperature_bands,
        "changes": recent_changes(session, (SUBJECT, *BAND_SUBJECTS)), "may_edit": current_user.role == Role.ADMIN,
        "errors": errors or {}, "typed": {**band_values(session), **(values or {})},
    }}  # fmt: skip


def _render(errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200) -> Any:
    return render_template("web/definitions/statuses_bands.html", **statuses_bands_context(db(), errors, values)), status


@bp.get("/")
@roles_required(*ALL)
def index() -> Any:
    return _render()


def _number(text: str) -> Any:
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() else text


def _save_bands(session: Session, actor: User | None) -> str:
    policy = current_policy(session)
    rules = policy.rules.to_dict()
    for kind in BAND_KINDS:
        rules[kind] = {name: _number(request.form.get(f"{kind}.{name}", "")) for name in rules[kind]}
    try:
        row = save_policy(session, rules, policy.thresholds.to_dict(), actor, utcnow(), "Bands changed under Statuses and bands")
    except ValidationError as exc:  # keys are the policy's ("rules.grade_bands.A"): the form's names without "rules."
        raise ValidationError({key.removeprefix("rules."): message for key, message in exc.errors.items()}) from None
    return f"Bands saved as scoring version {row.id}; grades and temperatures follow them from now on."


@bp.post("/")
@roles_required(Role.ADMIN)
def submit() -> Any:
    session, form = db(), request.form
    actor, now = session.get(User, current_user.id), utcnow()
    action, _, key = form.get("action", "").partition(":")
    try:
        if action == "add":
            value = add_status(session, form.get("new.key"), form.get("new.label"), form.get("new.owner_team"), actor, now)
            message = f"Status “{value.label}” added."
        elif action == "rename":
            changed = rename_status(session, key, form.get(f"status.{key}.label"), form.get(f"status.{key}.owner_team"), actor, now)
            message = "Saved." if changed else "Nothing changed."
        elif action == "retire":
            retire_status(session, key, actor, now)
            message = f"Status {key} retired: no lead can be given it until it is restored."
        elif action == "restore":
            restore_status(session, key, actor, now)
            message = f"Status {key} restored."
        elif action == "bands":
            message = _save_bands(session, actor)
        else:
            return _render({"action": "Unknown action"}, status=422)
    except ValidationError as exc:
        session.rollback()
        prefix = {"add": "new.", "rename": f"status.{key}.", "retire": f"status.{key}.", "restore": f"status.{key}."}.get(action, "")
        typed = {name: form.get(name, "")[:300] for name in form if name != "csrf_token"}
        return _render({prefix + field: msg for field, msg in exc.errors.items()}, typed, status=422)
    session.commit()
    flash(message, "success")
    return redirect(url_for("admin_statuses_bands.index"))
