"""Admin: users — list, create (with a one-time generated password), deactivate, API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from nurture.errors import ValidationError
from nurture.models import Role, User
from nurture.users.accounts import create_user
from nurture.users.activation import set_active
from nurture.users.tokens import create_token
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_users", __name__, url_prefix="/users")

# Markup.format escapes its arguments: the secret is shown in a <code> once, the rest stays text.
SECRET_MESSAGE = Markup('{what} Copy it now; it is shown only once: <code class="secret">{secret}</code>')


@bp.after_request
def _no_store(response: Any) -> Any:
    # These pages show one-time passwords and tokens: keep them out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_index(form: dict[str, str], errors: dict[str, str]) -> str:
    users = db().scalars(select(User).order_by(User.email))
    return render_template("web/users/index.html", users=users, roles=list(Role), form=form, errors=errors)


def _user(user_id: int) -> User:
    return db().get(User, user_id) or abort(404)


@bp.get("/")
@roles_required(Role.ADMIN)
def index() -> Any:
    return _render_index({"role": Role.REP.value}, {})


@bp.post("/")
@roles_required(Role.ADMIN)
def create() -> Any:
    session = db()
    form = {name: request.form.get(name, "")[:1000] for name in ("email", "name", "role", "password")}
    try:
        user, password = create_user(
            session, form["email"], form["role"], password=form["password"] or None, name=form["name"]
        )
    except ValidationError as exc:
        session.rollback()
        form.pop("password")  # never echo a password back into the page
        return _render_index(form, exc.errors), 422
    session.commit()
    if form["password"]:
        flash(f"Created {user.email} ({user.role}).", "success")
    else:
        flash(
            SECRET_MESSAGE.format(
                what=f"Created {user.email} ({user.role}) with a generated password.", secret=password
            ),
            "success",
        )
    return redirect(url_for("admin_users.index"))


def _set_active(user_id: int, active: bool) -> Any:
    session = db()
    user = _user(user_id)
    try:
        set_active(user, active, actor=_user(current_user.id))
    except ValidationError as exc:
        flash(exc.errors["active"], "error")
        return redirect(url_for("admin_users.index"))
    session.commit()
    flash(
        f"{user.email} is {'active again' if active else 'deactivated: they can no longer log in or use tokens'}.",
        "success",
    )
    return redirect(url_for("admin_users.index"))


@bp.post("/<int:user_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate(user_id: int) -> Any:
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate(user_id: int) -> Any:
    return _set_active(user_id, True)


@bp.post("/<int:user_id>/tokens")
@roles_required(Role.ADMIN)
def create_api_token(user_id: int) -> Any:
    session = db()
    user = _user(user_id)
    if not user.active:
        flash(f"{user.email} is deactivated; reactivate them before creating a token.", "error")
        return redirect(url_for("admin_users.index"))
    token = create_token(session, user, name=request.form.get("name", "").strip()[:100] or "Created in the admin")
    session.commit()
    flash(SECRET_MESSAGE.format(what=f"API token for {user.email} created.", secret=token), "success")
    return redirect(url_for("admin_users.index"))
