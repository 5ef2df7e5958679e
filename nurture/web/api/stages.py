"""API: lifecycle stages — everyone reads the definitions (with lead counts); admins add and change them."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select

from nurture.models import Role, Stage
from nurture.stages.counts import lead_counts
from nurture.stages.edit import create_stage, ordered, snapshot, update_stage
from nurture.web.api import blueprint
from nurture.web.api.body import json_object, refuse_unknown
from nurture.web.auth import api_roles, api_user
from nurture.web.db import db
from nurture.web.errors import error_response

ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)
CHANGEABLE = frozenset({"name", "definition", "owner_team", "criteria", "max_age_days"})


def stage_json(stage: Stage, counts: dict[str, int]) -> dict[str, Any]:
    return {**snapshot(stage), "lead_count": counts.get(stage.key, 0)}


@blueprint.get("/v1/stages", endpoint="list_stages")
@api_roles(*ANYONE)
def index() -> Any:
    session = db()
    counts = lead_counts(session)
    return jsonify({"data": [stage_json(s, counts) for s in ordered(session)]})


@blueprint.post("/v1/stages", endpoint="create_stage")
@api_roles(Role.ADMIN)
def create() -> Any:
    session = db()
    stage = create_stage(session, json_object(), api_user())
    session.commit()
    response = jsonify(stage_json(stage, {}))
    response.status_code = 201
    return response


@blueprint.put("/v1/stages/<key>", endpoint="update_stage")
@api_roles(Role.ADMIN)
def update(key: str) -> Any:
    session = db()
    stage = session.scalar(select(Stage).where(Stage.key == key))
    if stage is None:
        return error_response(404, {"stage": "Not found"})
    body = json_object()
    refuse_unknown(body, CHANGEABLE)
    update_stage(session, stage, body, api_user())
    session.commit()
    return jsonify(stage_json(stage, lead_counts(session)))
