"""API: the lead-quality report, as JSON or CSV (``?format=csv``)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Response, current_app, jsonify, request

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.leads.validation import parse_datetime
from nurture.models import Role
from nurture.opportunities.validation import parse_date
from nurture.reports.lead_quality import lead_quality, to_csv
from nurture.reports.stuck.items import StuckContext
from nurture.reports.stuck.report import report_dict, stuck_report
from nurture.reports.stuck.report import to_csv as stuck_csv
from nurture.web.api import blueprint
from nurture.web.auth import api_roles
from nurture.web.db import db


def _bound(name: str, end: bool) -> datetime | None:
    """A date (a whole UTC day: ``to`` includes it) or an ISO date-time."""
    raw = request.args.get(name)
    if not raw:
        return None
    day, error = parse_date(raw)
    if not error and day is not None:
        return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
    moment, error = parse_datetime(raw)
    if error:
        raise ValidationError({name: "A date (YYYY-MM-DD) or an ISO 8601 date-time"})
    return moment


def _period_and_format() -> tuple[datetime | None, datetime | None, str]:
    """The reports' query string: ``from``, ``to`` (dates or date-times) and ``format`` (json or csv)."""
    unknown = set(request.args) - {"from", "to", "format"}
    if unknown:
        raise ValidationError({name[:64]: "Unknown parameter" for name in unknown})
    fmt = request.args.get("format") or "json"
    if fmt not in ("json", "csv"):
        raise ValidationError({"format": "json or csv"})
    start, end = _bound("from", end=False), _bound("to", end=True)
    if start and end and end <= start:
        raise ValidationError({"to": "Must be after from"})
    return start, end, fmt


@blueprint.get("/v1/reports/lead-quality")
@api_roles(Role.ADMIN, Role.MARKETER)
def lead_quality_report() -> Any:
    start, end, fmt = _period_and_format()
    report = lead_quality(db(), start, end)
    if fmt == "csv":
        return Response(to_csv(report), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="lead-quality.csv"'})  # fmt: skip
    return jsonify({
        "from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
        "campaign_is": "source_detail",
        "total": report.total.as_dict(),
        "by_source": [r.as_dict() for r in report.by_source],
        "by_campaign": [r.as_dict() for r in report.by_campaign],
    })  # fmt: skip


@blueprint.get("/v1/reports/stuck")
@api_roles(Role.ADMIN, Role.MARKETER)
def stuck_report_api() -> Any:
    """Stuck leads and deals now, by category; per-source shares for the leads created in [from, to)."""
    start, end, fmt = _period_and_format()
    report = stuck_report(db(), StuckContext(utcnow(), current_app.extensions["nurture.settings"].stuck_sql_days), start, end)
    if fmt == "csv":
        return Response(stuck_csv(report), mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="stuck.csv"'})
    return jsonify(report_dict(report))
