"""The OpenAPI description of the lifecycle stages (the Definitions page's data)."""

from __future__ import annotations

from typing import Any

from nurture.stages.criteria import SCORE_MODES, SIGNAL_EVENTS
from nurture.web.api.openapi_sales import ERRORS, NOT_FOUND, _body, _json, _ref

CRITERIA = {"type": "object", "additionalProperties": False, "properties": {
    "score": {"enum": list(SCORE_MODES), "description": "policy_mql / policy_sales_ready follow Admin → Scoring; custom uses min_engagement and min_fit"},
    "min_engagement": {"type": ["integer", "null"]}, "min_fit": {"type": ["integer", "null"]},
    "signals": {"type": "array", "items": {"type": "array", "items": {"type": "string"}},
                "description": "Buying signals that enter the stage whatever the score: any one group, every event of it; events " + ", ".join(SIGNAL_EVENTS)},
    "fields": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "op": {"type": "string"}, "value": {}}},
               "description": "Conditions that must hold (as fit rules: equals, in, contains, gte, lte, exists)"},
}}  # fmt: skip
FIELDS = {
    "name": {"type": "string", "maxLength": 100}, "definition": {"type": "string", "maxLength": 2000},
    "owner_team": {"enum": ["marketing", "sales"]}, "criteria": CRITERIA,
    "max_age_days": {"type": ["integer", "null"], "minimum": 1, "description": "How long a lead may sit in the stage (none: no maximum)"},
}  # fmt: skip
SCHEMAS: dict[str, Any] = {
    "Stage": {"type": "object", "properties": {**FIELDS, "key": {"type": "string"}, "position": {"type": "integer"},
                                                "retired": {"type": "boolean"}, "lead_count": {"type": "integer"}}},
    "StageInput": {"type": "object", "additionalProperties": False, "required": ["name", "owner_team"],
                   "properties": {**FIELDS, "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$", "description": "From the name when missing; never changes"},
                                  "after": {"type": "string", "description": "The key of the stage it follows (default: last)"}}},
    "StageChange": {"type": "object", "additionalProperties": False, "properties": FIELDS},
}  # fmt: skip
KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
PATHS = {
    "/api/v1/stages": {
        "get": {"summary": "The lifecycle stages in order, with their definitions, criteria, maximum age and current lead counts",
                "responses": {"200": _json({"type": "object", "properties": {"data": {"type": "array", "items": _ref("Stage")}}}, "The stages"), **ERRORS}},
        "post": {"summary": "Add a stage (admins); every change is audited", "requestBody": _body(_ref("StageInput")),
                 "responses": {"201": _json(_ref("Stage"), "Created"), **ERRORS}},
    },
    "/api/v1/stages/{key}": {
        "parameters": [KEY],
        "put": {"summary": "Rename, describe or change a stage's owner, criteria or maximum age (admins); the key never changes",
                "requestBody": _body(_ref("StageChange")),
                "responses": {"200": _json(_ref("Stage"), "Changed"), **NOT_FOUND, **ERRORS}},
    },
}  # fmt: skip
