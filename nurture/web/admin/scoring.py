"""Admin: the scoring policy — edit rules and thresholds, preview the re-grading, save a version, history.

Marketers may look; only admins preview and save.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.handoff.policy import current_policy, parse_policy, policy_history, save_policy
from nurture.handoff.preview import preview_change
from nurture.models import PolicyVersion, Role, User
from nurture.scoring.rules import ENGAGEMENT_TYPES, FIT_FIELDS, FIT_OPS, GRADES, TEMPERATURES
from nurture.web.admin.scoring_form import policy_input, values_from_form, values_from_policy
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_scoring", __name__, url_prefix="/scoring")


def _render(values: dict[str, str], rows: list[dict[str, str]], errors: dict[str, str], preview: Any = None,
            status: int = 200) -> Any:  # fmt: skip
    policy = current_policy(db())
    version = db().get(PolicyVersion, policy.version_id) if policy.version_id else None
    page = render_template(
        "web/scoring/edit.html", values=values, rows=rows, errors=errors, preview=preview, version=version,
        author=db().get(User, version.created_by_user_id) if version and version.created_by_user_id else None,
        may_edit=current_user.role == Role.ADMIN, types=ENGAGEMENT_TYPES, fit_fields=FIT_FIELDS, fit_ops=FIT_OPS,
        grades=GRADES, temperatures=TEMPERATURES,
    )  # fmt: skip
    return page, status


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER)
def index() -> Any:
    return _render(*values_from_policy(current_policy(db())), {})


@bp.post("/")
@roles_required(Role.ADMIN)
def submit() -> Any:
    session = db()
    values, rows = values_from_form(request.form)
    action = request.form.get("action", "")
    if action == "add_rule":
        return _render(values, [*rows, {"field": "", "op": "equals", "value": "", "points": "", "label": ""}], {})
    if action.startswith("remove_rule:") and action[12:].isdigit():
        return _render(values, [row for n, row in enumerate(rows) if n != int(action[12:])], {})
    rules, thresholds = policy_input(values, rows)
    note = request.form.get("note", "")[:200]
    try:
        proposed = parse_policy(rules, thresholds)
        if action == "preview":
            return _render(values, rows, {}, preview_change(session, current_policy(session), proposed, utcnow()))
        row = save_policy(session, rules, thresholds, session.get(User, current_user.id), utcnow(), note)
    except ValidationError as exc:
        session.rollback()
        return _render(values, rows, exc.errors, status=422)
    session.commit()
    flash(f"Saved as version {row.id}; the next evaluation pass uses it.", "success")
    return redirect(url_for("admin_scoring.index"))


@bp.get("/history")
@roles_required(Role.ADMIN, Role.MARKETER)
def history() -> Any:
    session = db()
    versions = policy_history(session)
    authors = {u.id: u for u in session.scalars(select(User).where(User.id.in_({v.created_by_user_id for v in versions})))}
    return render_template("web/scoring/history.html", versions=versions, authors=authors)


@bp.get("/versions/<int:version_id>")
@roles_required(Role.ADMIN, Role.MARKETER)
def version(version_id: int) -> Any:
    row = db().get(PolicyVersion, version_id) or abort(404)
    author = db().get(User, row.created_by_user_id) if row.created_by_user_id else None
    return render_template("web/scoring/version.html", version=row, author=author)
