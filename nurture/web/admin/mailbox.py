"""Admin: mailbox — the sending identity of cadence emails. A user edits their own; an admin anyone's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from nurture.errors import ValidationError
from nurture.models import Role, User
from nurture.users.mailbox import FIELDS, mailbox_of, save_mailbox
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_mailbox", __name__, url_prefix="/mailbox")
ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)


def _owner(user_id: int | None) -> User:
    if user_id is not None and user_id != current_user.id and current_user.role != Role.ADMIN:
        abort(403)
    return db().get(User, user_id or current_user.id) or abort(404)


@bp.route("/", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ANYONE)
def edit(user_id: int | None) -> Any:
    session, user = db(), _owner(user_id)
    mailbox = mailbox_of(session, user)
    if request.method == "GET":
        values = {name: "" if getattr(mailbox, name, None) is None else str(getattr(mailbox, name)) for name in FIELDS}
        if mailbox is None:
            values |= {"from_name": user.name, "from_email": user.email, "daily_cap": "0"}
        return render_template("web/mailbox/edit.html", user=user, values=values, errors={})
    values = {name: request.form.get(name, "")[:2001] for name in FIELDS}
    try:
        save_mailbox(session, user, values)
    except ValidationError as exc:
        session.rollback()
        return render_template("web/mailbox/edit.html", user=user, values=values, errors=exc.errors), 422
    session.commit()
    flash("Mailbox saved: cadence emails to your leads come from it." if user.id == current_user.id
          else f"Mailbox of {user.email} saved.", "success")  # fmt: skip
    return redirect(url_for("admin_mailbox.edit", user_id=None if user.id == current_user.id else user.id))
