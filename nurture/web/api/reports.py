"""API: the reports, as JSON or CSV (``?format=csv``): lead quality, and each report of the catalog."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, request

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.models import Role
from nurture.reports import table
from nurture.reports.catalog import REPORTS, Context, ReportSpec
from nurture.reports.lead_quality import lead_quality, to_csv
from nurture.reports.period import Period, parse_period
from nurture.reports.stuck.items import StuckContext
from nurture.reports.stuck.report import report_dict, stuck_report
from nurture.reports.stuck.report import to_csv as stuck_csv
from nurture.web.api import blueprint
from nurture.web.auth import api_roles
from nurture.web.db import db


def _request_period() -> tuple[Period, str]:
    """The period and format asked for; ValidationError (422) for anything else."""
    unknown = set(request.args) - {"from", "to", "format"}
    if unknown:
        raise ValidationError({name[:64]: "Unknown parameter" for name in unknown})
    fmt = request.args.get("format") or "json"
    if fmt not in ("json", "csv"):
        raise ValidationError({"format": "json or csv"})
    return parse_period(request.args), fmt


def _csv(body: str, name: str) -> Response:
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@blueprint.get("/v1/reports/lead-quality")
@api_roles(Role.ADMIN, Role.MARKETER)
def lead_quality_report() -> Any:
    period, fmt = _request_period()
    report = lead_quality(db(), period.start, period.end)
    if fmt == "csv":
        return _csv(to_csv(report), "lead-quality")
    return jsonify({
        **period.as_dict(),
        "campaign_is": "source_detail",
        "total": report.total.as_dict(),
        "by_source": [r.as_dict() for r in report.by_source],
        "by_campaign": [r.as_dict() for r in report.by_campaign],
    })  # fmt: skip


def _report_view(spec: ReportSpec) -> Any:
    @api_roles(*spec.roles)
    def view() -> Any:
        period, fmt = _request_period()
        user = g.api_user
        context = Context(db(), current_app.extensions["nurture.settings"], period, utcnow(),
                          owner_id=user.id if user.role == Role.REP else None)  # fmt: skip
        report = spec.build(context)
        return _csv(table.to_csv(report), spec.slug) if fmt == "csv" else jsonify(report.as_dict())

    return view


for _spec in REPORTS:
    blueprint.add_url_rule(f"/v1/reports/{_spec.slug}", f"report_{_spec.slug.replace('-', '_')}", _report_view(_spec))


@blueprint.get("/v1/reports/stuck")
@api_roles(Role.ADMIN, Role.MARKETER)
def stuck_report_api() -> Any:
    """Stuck leads and deals now, by category; per-source shares for the leads created in [from, to)."""
    period, fmt = _request_period()
    settings = current_app.extensions["nurture.settings"]
    report = stuck_report(db(), StuckContext(utcnow(), settings.stuck_sql_days), period.start, period.end)
    if fmt == "csv":
        return _csv(stuck_csv(report), "stuck")
    return jsonify(report_dict(report))
