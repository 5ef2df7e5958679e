"""API: the opportunity pipeline — everyone with a token reads the stages (with deal counts); admins change them."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.models import PipelineStage, Role
from nurture.opportunities.pipeline_edit import (
    add_stage,
    all_stages,
    change_stage,
    move_stage,
    opportunity_counts,
    set_active,
    snapshot,
)
from nurture.web.api import blueprint
from nurture.web.api.body import json_object, refuse_unknown
from nurture.web.auth import api_roles, api_user
from nurture.web.db import db
from nurture.web.errors import error_response

ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)
ADDABLE = frozenset({"name", "key", "probability", "after"})
CHANGEABLE = frozenset({"name", "probability", "active", "move"})
WHY = "keys and outcomes never change"


def stage_json(stage: PipelineStage, counts: dict[int, int]) -> dict[str, Any]:
    return {**snapshot(stage), "opportunity_count": counts.get(stage.id, 0)}


@blueprint.get("/v1/pipeline", endpoint="list_pipeline")
@api_roles(*ANYONE)
def index() -> Any:
    session = db()
    counts = opportunity_counts(session)
    return jsonify({"data": [stage_json(s, counts) for s in all_stages(session)]})


@blueprint.post("/v1/pipeline", endpoint="add_pipeline_stage")
@api_roles(Role.ADMIN)
def create() -> Any:
    session, body = db(), json_object()
    refuse_unknown(body, ADDABLE, WHY)
    stage = add_stage(session, body, api_user(), utcnow())
    session.commit()
    response = jsonify(stage_json(stage, {}))
    response.status_code = 201
    return response


@blueprint.put("/v1/pipeline/<key>", endpoint="change_pipeline_stage")
@api_roles(Role.ADMIN)
def update(key: str) -> Any:
    session = db()
    stage = session.scalar(select(PipelineStage).where(PipelineStage.key == key))
    if stage is None:
        return error_response(404, {"stage": "Not found"})
    body, actor, now = json_object(), api_user(), utcnow()
    refuse_unknown(body, CHANGEABLE, WHY)
    if "active" in body and not isinstance(body["active"], bool):
        raise ValidationError({"active": "true or false"})
    change_stage(session, stage, {k: v for k, v in body.items() if k in ("name", "probability")}, actor, now)
    if "move" in body:
        move_stage(session, stage, {"up": -1, "down": 1}.get(body["move"], 0), actor, now)
    if "active" in body:
        set_active(session, stage, body["active"], actor, now)
    session.commit()
    return jsonify(stage_json(stage, opportunity_counts(session)))
