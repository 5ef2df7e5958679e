"""The OpenAPI description of the opportunity pipeline (Opportunities → Pipeline's data)."""

from __future__ import annotations

from typing import Any

from nurture.web.api.openapi_sales import ERRORS, NOT_FOUND, _body, _json, _ref

FIELDS = {"name": {"type": "string", "maxLength": 100}, "probability": {"type": "integer", "minimum": 0, "maximum": 100}}
SCHEMAS: dict[str, Any] = {
    "PipelineStage": {"type": "object", "properties": {
        **FIELDS, "key": {"type": "string"}, "position": {"type": "integer"}, "outcome": {"enum": ["open", "won", "lost"]},
        "active": {"type": "boolean"}, "opportunity_count": {"type": "integer", "description": "Deals in the stage (open ones, for an open stage)"}}},
    "PipelineStageInput": {"type": "object", "additionalProperties": False, "required": ["name", "probability"], "properties": {
        **FIELDS, "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$", "description": "From the name when missing; never changes"},
        "after": {"type": "string", "description": "The key of the stage it follows (default: the last open stage)"}}},
    "PipelineStageChange": {"type": "object", "additionalProperties": False, "properties": {
        **FIELDS, "move": {"enum": ["up", "down"]},
        "active": {"type": "boolean", "description": "false is refused for a stage open deals are in and for the only active open, won or lost stage"}}},
}  # fmt: skip
PATHS = {
    "/api/v1/pipeline": {
        "get": {"summary": "The opportunity pipeline's stages in order (inactive ones too), with probability, outcome and deal counts",
                "responses": {"200": _json({"type": "object", "properties": {"data": {"type": "array", "items": _ref("PipelineStage")}}}, "The stages"), **ERRORS}},
        "post": {"summary": "Add an open stage (admins); every change is audited", "requestBody": _body(_ref("PipelineStageInput")),
                 "responses": {"201": _json(_ref("PipelineStage"), "Created"), **ERRORS}},
    },
    "/api/v1/pipeline/{key}": {
        "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
        "put": {"summary": "Rename a stage, set its probability, move it up or down, deactivate or reactivate it (admins); the key never changes",
                "requestBody": _body(_ref("PipelineStageChange")),
                "responses": {"200": _json(_ref("PipelineStage"), "Changed"), **NOT_FOUND, **ERRORS}},
    },
}  # fmt: skip
