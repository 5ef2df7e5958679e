"""Admin: hot leads — by engagement now, with grade and temperature; reps see their own leads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.handoff.policy import current_policy
from nurture.models import Role, User
from nurture.scoring.hot_leads import COUNT_LIMIT, HotFilters, hot_leads, parse_hot_filters
from nurture.web.auth import roles_required
from nurture.web.db import db
from nurture.web.stage_names import request_ladder

bp = Blueprint("admin_hot_leads", __name__, url_prefix="/hot-leads")


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER, Role.REP)
def index() -> Any:
    rules = current_policy(db()).rules  # the bands in force, as the editor saved them
    grades = tuple(name for name, _floor in rules.grade_bands)
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    rep = current_user.role == Role.REP
    owners = [] if rep else list(db().scalars(select(User).where(User.active).order_by(User.email)))
    context = {"args": args, "grades": grades, "stages": request_ladder().active, "owners": owners, "rep": rep, "count_limit": COUNT_LIMIT}
    try:
        filters, page_number, per_page = parse_hot_filters(request.args, grades, [s.key for s in request_ladder().stages])
    except ValidationError as exc:
        return render_template("web/hot_leads/index.html", page=None, errors=exc.errors, **context), 400
    if rep:  # a rep's list is their own leads, whatever the query string says
        filters = HotFilters(current_user.id, filters.stage, filters.grade)
    page = hot_leads(db(), filters, utcnow(), rules, page_number, per_page)
    return render_template("web/hot_leads/index.html", page=page, errors={}, **context)
