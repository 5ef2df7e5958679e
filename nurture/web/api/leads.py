"""API: leads — create, read, update, list with filters, and each lead's timeline."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import jsonify, request, url_for
from sqlalchemy import func, select

from nurture.db.base import utcnow
from nurture.handoff.policy import current_policy
from nurture.leads.capture import create_lead
from nurture.leads.changes import apply_values
from nurture.leads.query import list_leads as find
from nurture.leads.query import parse_lead_filters
from nurture.leads.status_values import active_status_keys
from nurture.leads.validation import validate_lead_input
from nurture.models import Lead, LeadEvent, LeadSource, Role
from nurture.scoring.explain import Explanation
from nurture.scoring.lead_score import score_lead
from nurture.web.api import blueprint
from nurture.web.api.body import json_object
from nurture.web.api.serializers import event_json, lead_json
from nurture.web.auth import api_roles, api_user
from nurture.web.db import db
from nurture.web.errors import error_response

ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)


def _links(page: int, pages: int) -> str:
    args = {k: v for k, v in request.args.items() if k != "page"}
    links = []
    if page < pages:
        links.append(f'<{request.base_url}?{urlencode({**args, "page": page + 1})}>; rel="next"')
    if page > 1:
        links.append(f'<{request.base_url}?{urlencode({**args, "page": page - 1})}>; rel="prev"')
    return ", ".join(links)


@blueprint.post("/v1/leads", endpoint="create_lead")
@api_roles(*ANYONE)
def create() -> Any:
    session = db()
    user = api_user()
    values = validate_lead_input(json_object(), statuses=active_status_keys(db()))
    lead = create_lead(session, values, reason=f"Created via API by {user.email}", actor=user, default_source=LeadSource.OTHER)
    session.commit()
    response = jsonify(lead_json(lead))
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_lead", lead_id=lead.id)
    return response


@blueprint.get("/v1/leads/<int:lead_id>")
@api_roles(*ANYONE)
def show_lead(lead_id: int) -> Any:
    lead = db().get(Lead, lead_id)
    return jsonify(lead_json(lead)) if lead else error_response(404, {"lead": "Not found"})


@blueprint.patch("/v1/leads/<int:lead_id>")
@api_roles(*ANYONE)
def update_lead(lead_id: int) -> Any:
    session = db()
    lead = session.get(Lead, lead_id)
    if lead is None:
        return error_response(404, {"lead": "Not found"})
    user = api_user()
    values = validate_lead_input(json_object(), partial=True, statuses=active_status_keys(db()))
    if values.email and values.email != lead.email:
        if session.scalar(select(Lead.id).where(Lead.email == values.email, Lead.id != lead.id)):
            return error_response(422, {"email": "A lead with this email address already exists"})
    apply_values(session, lead, values, reason=f"Updated via API by {user.email}", actor=user)
    session.commit()
    return jsonify(lead_json(lead))


@blueprint.get("/v1/leads", endpoint="list_leads")
@api_roles(*ANYONE)
def list_leads() -> Any:
    filters, page, per_page = parse_lead_filters(request.args)
    unknown = set(request.args) - {"q", "source", "lifecycle_stage", "lead_status", "owner_team", "owner_user_id",
                                   "company_id", "created_after", "created_before", "page", "per_page"}  # fmt: skip
    if unknown:
        return error_response(422, {name[:64]: "Unknown filter" for name in unknown})
    result = find(db(), filters, page, per_page)
    response = jsonify(
        {
            "data": [lead_json(lead) for lead in result.items],
            "meta": {"page": page, "per_page": per_page, "total": result.total, "pages": result.pages},
        }
    )
    if links := _links(page, result.pages):
        response.headers["Link"] = links
    return response


@blueprint.get("/v1/leads/<int:lead_id>/events")
@api_roles(*ANYONE)
def lead_events(lead_id: int) -> Any:
    session = db()
    if session.get(Lead, lead_id) is None:
        return error_response(404, {"lead": "Not found"})
    _filters, page, per_page = parse_lead_filters({k: v for k, v in request.args.items() if k in ("page", "per_page")})
    total = session.scalar(select(func.count()).select_from(LeadEvent).where(LeadEvent.lead_id == lead_id)) or 0
    events = session.scalars(
        select(LeadEvent)
        .where(LeadEvent.lead_id == lead_id)
        .order_by(LeadEvent.created_at.desc(), LeadEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return jsonify({"data": [event_json(e) for e in events], "meta": {"page": page, "per_page": per_page, "total": total}})


def _explanation_json(explanation: Explanation) -> dict[str, Any]:
    return {
        "score": explanation.score,
        "contributions": [
            {"kind": c.kind, "description": c.description, "points": c.points, "value_now": round(c.value_now, 2),
             "occurred_at": c.occurred_at.isoformat() if c.occurred_at else None}
            for c in explanation.contributions
        ],  # fmt: skip
    }


@blueprint.get("/v1/leads/<int:lead_id>/score")
@api_roles(*ANYONE)
def lead_score(lead_id: int) -> Any:
    """Every contribution, its points and its decayed value now; they sum to the scores."""
    session = db()
    lead = session.get(Lead, lead_id)
    if lead is None:
        return error_response(404, {"lead": "Not found"})
    score = score_lead(session, lead, current_policy(session).rules, utcnow())
    return jsonify(
        {
            "label": score.label,
            "engagement": {**_explanation_json(score.engagement), "temperature": score.temperature},
            "fit": {**_explanation_json(score.fit), "grade": score.grade},
        }
    )
