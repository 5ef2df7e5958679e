"""API: hand in a raw inbound message (a reply or a bounce) for a mail gateway that does not use IMAP."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from campaigns.inbound.intake import ingest
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.models import InboundMessage, Role
from nurture.web.api import blueprint
from nurture.web.api.body import json_object
from nurture.web.auth import api_roles
from nurture.web.db import db

RAW_TYPES = ("message/rfc822", "message/global")


def inbound_json(inbound: InboundMessage, *, duplicate: bool) -> dict[str, Any]:
    return {
        "id": inbound.id,
        "message_id": inbound.message_id,
        "kind": inbound.kind.value,
        "address": inbound.address,
        "status": inbound.status,
        "return_on": inbound.return_on.isoformat() if inbound.return_on else None,
        "matched": {"by": inbound.matched_by, "send_id": inbound.send_id, "lead_id": inbound.lead_id},
        "actions": list((inbound.data or {}).get("actions", [])),
        "duplicate": duplicate,
    }


def _raw_body() -> bytes:
    if request.mimetype in RAW_TYPES:
        return request.get_data(cache=False)
    if not request.is_json:
        raise UnsupportedMediaType()
    raw = json_object().get("raw")
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError({"raw": "The raw RFC 5322 message, as a string"})
    return raw.encode("utf-8", errors="surrogateescape")


@blueprint.post("/v1/inbound", endpoint="receive_inbound")
@api_roles(Role.ADMIN, Role.MARKETER)
def receive() -> Any:
    settings = current_app.extensions["nurture.settings"]
    intake = ingest(db(), settings, _raw_body(), source="api", now=utcnow())
    response = jsonify(inbound_json(intake.inbound, duplicate=intake.duplicate))
    response.status_code = 200 if intake.duplicate else 201
    return response
