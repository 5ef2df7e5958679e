"""Admin: the opportunities list (filters) and an opportunity's page with its stage change form and history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.models import Opportunity, Role, User
from nurture.opportunities.changes import change_opportunity
from nurture.opportunities.history import opportunity_history
from nurture.opportunities.pipeline import pipeline
from nurture.opportunities.query import FILTERS, list_opportunities, parse_opportunity_filters
from nurture.opportunities.validation import validate_opportunity_input
from nurture.users.permissions import may_work_opportunity
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_opportunities", __name__, url_prefix="/opportunities")

ALL = (Role.ADMIN, Role.MARKETER, Role.REP)
CHANGE_FIELDS = ("stage", "amount", "currency", "close_date", "lost_reason")


@bp.get("/")
@roles_required(*ALL)
def index() -> Any:
    session = db()
    args = {k: v for k, v in request.args.items() if v and k in (*FILTERS, "per_page")}
    context = {"args": args, "stages": pipeline(session),
               "owners": session.scalars(select(User).where(User.role.in_((Role.REP, Role.ADMIN))).order_by(User.email)).all()}  # fmt: skip
    try:
        filters, page_number, per_page = parse_opportunity_filters(request.args)
    except ValidationError as exc:
        return render_template("web/opportunities/index.html", page=None, errors=exc.errors, **context), 400
    page = list_opportunities(session, filters, page_number, per_page)
    return render_template("web/opportunities/index.html", page=page, errors={}, **context)


def _values(opportunity: Opportunity) -> dict[str, str]:
    return {"stage": opportunity.stage.key, "amount": str(opportunity.amount), "currency": opportunity.currency,
            "close_date": opportunity.close_date.isoformat(), "lost_reason": opportunity.lost_reason or ""}  # fmt: skip


def _render(opportunity: Opportunity, values: dict[str, str], errors: dict[str, str]) -> str:
    user = db().get(User, current_user.id)
    return render_template(
        "web/opportunities/show.html",
        opportunity=opportunity,
        history=opportunity_history(db(), opportunity.id),
        stages=pipeline(db()),
        may_change=user is not None and may_work_opportunity(user, opportunity) and opportunity.stage.outcome == "open",
        values=values,
        errors=errors,
    )


@bp.get("/<int:opportunity_id>")
@roles_required(*ALL)
def show(opportunity_id: int) -> Any:
    opportunity = db().get(Opportunity, opportunity_id) or abort(404)
    return _render(opportunity, _values(opportunity), {})


@bp.post("/<int:opportunity_id>")
@roles_required(Role.ADMIN, Role.REP)
def change(opportunity_id: int) -> Any:
    session = db()
    opportunity = session.get(Opportunity, opportunity_id) or abort(404)
    user = session.get(User, current_user.id)
    if user is None or not may_work_opportunity(user, opportunity):
        abort(403)
    form = {name: request.form.get(name, "") for name in CHANGE_FIELDS}
    given = {k: v for k, v in form.items() if v != "" or k in ("close_date", "amount", "currency")}
    try:
        values = validate_opportunity_input(given, creating=False)
        changes = change_opportunity(session, opportunity, values, actor=user, now=utcnow(),
                                     reason=f"Changed in the admin by {user.email}")  # fmt: skip
    except ValidationError as exc:
        session.rollback()
        return _render(session.get(Opportunity, opportunity_id), form, exc.errors), 422
    session.commit()
    flash("Opportunity saved." if changes else "Nothing changed.", "success" if changes else "info")
    return redirect(url_for("admin_opportunities.show", opportunity_id=opportunity.id))
