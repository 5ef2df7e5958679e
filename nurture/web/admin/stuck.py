"""Admin: the stuck-leads report (the broken links, visible), for admins and marketers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from nurture.db.base import utcnow
from nurture.models import Role
from nurture.reports.stuck.items import StuckContext
from nurture.reports.stuck.report import stuck_report
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_stuck", __name__, url_prefix="/reports/stuck")


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER)
def index() -> Any:
    now = utcnow()
    report = stuck_report(db(), StuckContext(now, current_app.extensions["nurture.settings"].stuck_sql_days))
    return render_template("web/reports/stuck.html", report=report, now=now)
