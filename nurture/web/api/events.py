"""API: engagement from outside email (page visits, forms elsewhere, meetings booked) for a lead."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from campaigns.stops import MEETING_BOOKED, stop_cadences
from nurture.db.base import utcnow
from nurture.leads.activity import record_activity, validate_activity
from nurture.models import ActivityEvent, Role
from nurture.web.api import blueprint
from nurture.web.api.body import json_object
from nurture.web.auth import api_roles, api_user
from nurture.web.db import db


def activity_json(event: ActivityEvent) -> dict[str, Any]:
    return {
        "id": event.id, "lead_id": event.lead_id, "type": event.kind, "url": event.url, "data": event.data,
        "occurred_at": event.occurred_at.isoformat(), "recorded_at": event.recorded_at.isoformat(),
    }  # fmt: skip


@blueprint.post("/v1/events", endpoint="create_event")
@api_roles(Role.ADMIN, Role.MARKETER, Role.REP)
def create_event() -> Any:
    session = db()
    activity = validate_activity(session, json_object(), utcnow())
    event = record_activity(session, activity, api_user())
    if activity.kind == "meeting_booked":  # the lead said yes: its cadences have done their work
        stop_cadences(session, activity.lead, MEETING_BOOKED, utcnow(), f"reported by {api_user().email}")
    session.commit()
    response = jsonify(activity_json(event))
    response.status_code = 201
    return response
