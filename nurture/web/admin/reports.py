"""Admin: the reports, each a page with its charts and their tables, filterable by date range, as CSV too.

The period defaults to the last 30 days: it keeps every page a bounded read (see bench/reports.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.models import Role
from nurture.reports import table
from nurture.reports.catalog import BY_SLUG, Context, ReportSpec, visible_to
from nurture.reports.period import last_days, parse_period
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_reports", __name__, url_prefix="/reports")
DEFAULT_DAYS = 30


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER, Role.REP)
def index() -> Any:
    return render_template("web/reports/index.html", reports=visible_to(current_user.role), args=_args())


def _spec(slug: str) -> ReportSpec:
    spec = BY_SLUG.get(slug)
    if spec is None:
        abort(404)
    if spec not in visible_to(current_user.role):
        abort(403)
    return spec


def _args() -> dict[str, str]:
    """The period the form shows: what was asked, else the last DEFAULT_DAYS days."""
    if request.args.get("from") or request.args.get("to"):
        return {k: request.args.get(k, "") for k in ("from", "to")}
    return last_days(utcnow().date(), DEFAULT_DAYS)


def _build(spec: ReportSpec, args: dict[str, str]) -> Any:
    period = parse_period(args)
    owner_id = current_user.id if current_user.role == Role.REP else None
    context = Context(db(), current_app.extensions["nurture.settings"], period, utcnow(), owner_id)
    return spec.build(context)


@bp.get("/<slug>")
@roles_required(Role.ADMIN, Role.MARKETER, Role.REP)
def show(slug: str) -> Any:
    spec, args = _spec(slug), _args()
    context = {"spec": spec, "reports": visible_to(current_user.role), "args": args}
    try:
        report = _build(spec, args)
    except ValidationError as exc:
        return render_template("web/reports/show.html", report=None, errors=exc.errors, **context), 400
    return render_template("web/reports/show.html", report=report, errors={}, **context)


@bp.get("/<slug>/export.csv")
@roles_required(Role.ADMIN, Role.MARKETER, Role.REP)
def export(slug: str) -> Any:
    spec, args = _spec(slug), _args()
    try:
        report = _build(spec, args)
    except ValidationError as exc:
        return Response("\n".join(f"{k}: {v}" for k, v in exc.errors.items()) + "\n", status=400, mimetype="text/plain")
    name = f"{slug}-{args['from'] or 'start'}-{args['to'] or 'now'}.csv"
    return Response(table.to_csv(report), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
