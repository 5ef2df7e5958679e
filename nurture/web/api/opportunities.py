"""API: opportunities — create (close date required), read, list with filters, change stage/amount/close date.

There is no DELETE: opportunities are never deleted (DESIGN.md invariant 7); Flask answers 405.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for

from campaigns.stops import OPPORTUNITY_CREATED, stop_cadences
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.models import Lead, Opportunity, Role
from nurture.opportunities.changes import change_opportunity
from nurture.opportunities.create import create_opportunity
from nurture.opportunities.history import opportunity_history
from nurture.opportunities.query import FILTERS, list_opportunities, parse_opportunity_filters
from nurture.opportunities.validation import validate_opportunity_input
from nurture.users.permissions import may_work_lead, may_work_opportunity
from nurture.web.api import blueprint
from nurture.web.api.body import json_object
from nurture.web.auth import api_roles, api_user
from nurture.web.db import db
from nurture.web.errors import error_response

ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)
SELLERS = (Role.ADMIN, Role.REP)


def opportunity_json(o: Opportunity) -> dict[str, Any]:
    return {
        "id": o.id, "name": o.name, "amount": str(o.amount), "currency": o.currency,
        "close_date": o.close_date.isoformat(),
        "stage": {"key": o.stage.key, "name": o.stage.name, "probability": o.stage.probability, "outcome": o.stage.outcome.value},
        "company_id": o.company_id, "contact_lead_id": o.contact_lead_id, "owner_user_id": o.owner_user_id,
        "source": o.source.value, "campaign": o.source_detail, "lost_reason": o.lost_reason,
        "previous_opportunity_id": o.previous_opportunity_id,
        "created_at": o.created_at.isoformat(), "updated_at": o.updated_at.isoformat(),
        "closed_at": o.closed_at.isoformat() if o.closed_at else None,
    }  # fmt: skip


@blueprint.post("/v1/opportunities", endpoint="create_opportunity")
@api_roles(*SELLERS)
def create() -> Any:
    session, user = db(), api_user()
    values = validate_opportunity_input(json_object(), creating=True)
    if "contact_lead_id" not in values:
        raise ValidationError({"contact_lead_id": "Required field missing"})
    lead = session.get(Lead, values["contact_lead_id"])
    if lead is None:
        raise ValidationError({"contact_lead_id": "No lead with this id"})
    if not may_work_lead(user, lead):
        return error_response(403, {"authorization": "Reps create opportunities for their own leads"})
    now = utcnow()
    opportunity = create_opportunity(session, lead, values, actor=user, now=now, reason=f"Created via API by {user.email}")
    stop_cadences(session, lead, OPPORTUNITY_CREATED, now, f"'{opportunity.name}' by {user.email}")
    session.commit()
    response = jsonify(opportunity_json(opportunity))
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_opportunity", opportunity_id=opportunity.id)
    return response


@blueprint.get("/v1/opportunities/<int:opportunity_id>")
@api_roles(*ANYONE)
def show_opportunity(opportunity_id: int) -> Any:
    session = db()
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        return error_response(404, {"opportunity": "Not found"})
    history = [
        {"kind": e.kind, "reason": e.reason, "data": e.data, "actor": email, "created_at": e.created_at.isoformat()}
        for e, email in opportunity_history(session, opportunity.id)
    ]
    return jsonify({**opportunity_json(opportunity), "history": history})


@blueprint.patch("/v1/opportunities/<int:opportunity_id>")
@api_roles(*SELLERS)
def update_opportunity(opportunity_id: int) -> Any:
    session, user = db(), api_user()
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        return error_response(404, {"opportunity": "Not found"})
    if not may_work_opportunity(user, opportunity):
        return error_response(403, {"authorization": "Reps change their own opportunities"})
    values = validate_opportunity_input(json_object(), creating=False)
    change_opportunity(session, opportunity, values, actor=user, now=utcnow(), reason=f"Changed via API by {user.email}")
    session.commit()
    return jsonify(opportunity_json(opportunity))


@blueprint.get("/v1/opportunities", endpoint="list_opportunities")
@api_roles(*ANYONE)
def index() -> Any:
    unknown = set(request.args) - {*FILTERS, "page", "per_page"}
    if unknown:
        return error_response(422, {name[:64]: "Unknown filter" for name in unknown})
    filters, page, per_page = parse_opportunity_filters(request.args)
    result = list_opportunities(db(), filters, page, per_page)
    return jsonify({"data": [opportunity_json(o) for o in result.items],
                    "meta": {"page": page, "per_page": per_page, "total": result.total, "pages": result.pages}})  # fmt: skip
