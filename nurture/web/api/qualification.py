"""API: qualify a lead (BANT + a new opportunity) or disqualify it with a reason. Reps on their own leads, admins on all."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from campaigns.qualification import disqualify_lead, qualify_lead
from nurture.db.base import utcnow
from nurture.models import Lead, Role
from nurture.qualification.inputs import validate_disqualify_input, validate_qualify_input
from nurture.qualification.qualify import default_opportunity_name
from nurture.users.permissions import may_work_lead
from nurture.web.api import blueprint
from nurture.web.api.body import json_object
from nurture.web.api.opportunities import opportunity_json
from nurture.web.api.serializers import lead_json
from nurture.web.auth import api_roles, api_user
from nurture.web.db import db
from nurture.web.errors import error_response

SELLERS = (Role.ADMIN, Role.REP)


def _lead_for_work(lead_id: int) -> tuple[Lead | None, Any]:
    lead = db().get(Lead, lead_id)
    if lead is None:
        return None, error_response(404, {"lead": "Not found"})
    if not may_work_lead(api_user(), lead):
        return None, error_response(403, {"authorization": "Reps qualify and disqualify their own leads"})
    return lead, None


@blueprint.post("/v1/leads/<int:lead_id>/qualify")
@api_roles(*SELLERS)
def qualify_endpoint(lead_id: int) -> Any:
    lead, refusal = _lead_for_work(lead_id)
    if lead is None:
        return refusal
    session = db()
    values = validate_qualify_input(json_object(), default_opportunity_name(lead))
    opportunity = qualify_lead(session, lead, values, actor=api_user(), now=utcnow())
    session.commit()
    response = jsonify({"lead": lead_json(lead), "opportunity": opportunity_json(opportunity)})
    response.status_code = 201
    return response


@blueprint.post("/v1/leads/<int:lead_id>/disqualify")
@api_roles(*SELLERS)
def disqualify_endpoint(lead_id: int) -> Any:
    lead, refusal = _lead_for_work(lead_id)
    if lead is None:
        return refusal
    session, now = db(), utcnow()
    values = validate_disqualify_input(json_object(), now.date())
    disqualification = disqualify_lead(session, current_app.extensions["nurture.settings"], lead, values, actor=api_user(), now=now)
    session.commit()
    return jsonify({
        "lead": lead_json(lead),
        "disqualification": {"id": disqualification.id, "reason": disqualification.reason.value, "note": disqualification.note,
                             "resurface_on": values.resurface_on.isoformat() if values.resurface_on else None},
    })  # fmt: skip
