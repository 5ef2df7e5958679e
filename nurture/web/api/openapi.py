"""The OpenAPI 3.1 description of /api/v1, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from nurture.leads.activity import ACTIVITY_TYPES, MAX_DATA_KEYS
from nurture.leads.validation import ENUM_FIELDS
from nurture.web.api import blueprint
from nurture.web.api.openapi_pipeline import PATHS as PIPELINE_PATHS
from nurture.web.api.openapi_pipeline import SCHEMAS as PIPELINE_SCHEMAS
from nurture.web.api.openapi_reports import PATHS as REPORT_PATHS
from nurture.web.api.openapi_sales import PATHS as SALES_PATHS
from nurture.web.api.openapi_sales import SCHEMAS as SALES_SCHEMAS
from nurture.web.api.openapi_stages import PATHS as STAGES_PATHS
from nurture.web.api.openapi_stages import SCHEMAS as STAGES_SCHEMAS
from nurture.web.api.openapi_stuck import PATHS as STUCK_PATHS
from nurture.web.api.openapi_stuck import SCHEMAS as STUCK_SCHEMAS

STRING = {"type": ["string", "null"]}


def _enum(name: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "enum": [m.value for m in ENUM_FIELDS[name]] + [None]}


LEAD_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "first_name": {**STRING, "maxLength": 100},
        "last_name": {**STRING, "maxLength": 100},
        "title": {**STRING, "maxLength": 150},
        "phone": {**STRING, "maxLength": 40},
        "company": {**STRING, "maxLength": 200, "description": "Company name"},
        "website": {**STRING, "description": "Company website; its domain identifies the company"},
        "company_size": {"type": ["integer", "null"], "minimum": 0},
        "industry": {**STRING, "maxLength": 100},
        "source": _enum("source"),
        "source_detail": {**STRING, "maxLength": 200},
        "consent_basis": _enum("consent_basis"),
        "consent_at": {**STRING, "format": "date-time"},
        "country": {**STRING, "description": "ISO 3166 alpha-2 code (or English name)"},
        "timezone": {**STRING, "description": "IANA name, e.g. Europe/Paris; guessed from the country when missing"},
        "owner_team": _enum("owner_team"),
        "owner_email": {**STRING, "format": "email"},
        "owner_user_id": {"type": ["integer", "null"]},
        "lifecycle_stage": {**STRING, "description": "A stage key (GET /api/v1/stages); moves forward only, in their order"},
        "lead_status": {**STRING, "maxLength": 32, "description": "A key of the team's status values (Admin → Statuses and "
                        "bands; defaults new, attempting, connected, qualified, unqualified, bad_timing)"},
        "budget": STRING,
        "authority": STRING,
        "need": STRING,
        "timeline": STRING,
        "custom_fields": {"type": ["object", "null"], "maxProperties": 50},
    },
}


ACTIVITY_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "description": "The lead by lead_id or by email (one of them). Scored like email engagement (e.g. a page visit "
                   "2 points, at most 20; a meeting booked 40) and evaluated for the handoff within a second.",
    "properties": {
        "lead_id": {"type": "integer", "minimum": 1},
        "email": {"type": "string", "format": "email"},
        "type": {"enum": list(ACTIVITY_TYPES)},
        "occurred_at": {"type": "string", "format": "date-time", "description": "Default: now; not in the future"},
        "url": {"type": "string", "format": "uri", "maxLength": 2048, "description": "http(s); required for page_visit"},
        "data": {"type": "object", "maxProperties": MAX_DATA_KEYS, "description": "Named text (≤ 500 characters), numbers, true/false, null"},
    },
    "required": ["type"],
}  # fmt: skip
ACTIVITY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "lead_id": {"type": "integer"}, "type": {"type": "string"}, "url": {"type": ["string", "null"]},
    "data": {"type": "object"}, "occurred_at": {"type": "string", "format": "date-time"},
    "recorded_at": {"type": "string", "format": "date-time"}}}  # fmt: skip


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "422": {"$ref": "#/components/responses/Invalid"},
}
LEAD_ID = {"name": "lead_id", "in": "path", "required": True, "schema": {"type": "integer"}}
SEQUENCE_ID = {"name": "sequence_id", "in": "path", "required": True, "schema": {"type": "integer"}}
PAGE = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]
FILTERS = [
    {"name": name, "in": "query", "schema": schema}
    for name, schema in [
        ("q", {"type": "string", "description": "Search email, names and company"}),
        ("source", {"type": "string"}), ("lifecycle_stage", {"type": "string"}), ("lead_status", {"type": "string"}),
        ("owner_team", {"type": "string"}), ("owner_user_id", {"type": "integer"}), ("company_id", {"type": "integer"}),
        ("created_after", {"type": "string", "format": "date-time"}),
        ("created_before", {"type": "string", "format": "date-time"}),
    ]
]  # fmt: skip


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Nurture API", "version": "1", "description": "Leads, sequences and enrollments, opportunities, tasks and reports."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/leads": {
                "get": {"summary": "List leads", "parameters": FILTERS + PAGE,
                        "responses": {"200": _json({"type": "object", "properties": {"data": {"type": "array", "items": _ref("Lead")}, "meta": _ref("Meta")}}, "A page of leads"), **ERRORS}},
                "post": {"summary": "Create a lead", "requestBody": {"required": True, "content": {"application/json": {"schema": {**_ref("LeadInput")}}}},
                         "responses": {"201": _json(_ref("Lead"), "Created"), "415": {"$ref": "#/components/responses/Invalid"}, **ERRORS}},
            },
            "/api/v1/leads/{lead_id}": {
                "parameters": [LEAD_ID],
                "get": {"summary": "A lead", "responses": {"200": _json(_ref("Lead"), "The lead"), "404": {"$ref": "#/components/responses/NotFound"}, **ERRORS}},
                "patch": {"summary": "Change some of a lead's fields", "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("LeadInput")}}},
                          "responses": {"200": _json(_ref("Lead"), "Updated"), "404": {"$ref": "#/components/responses/NotFound"}, **ERRORS}},
            },
            "/api/v1/leads/{lead_id}/events": {
                "parameters": [LEAD_ID],
                "get": {"summary": "The lead's timeline, newest first", "parameters": PAGE,
                        "responses": {"200": _json({"type": "object", "properties": {"data": {"type": "array", "items": _ref("Event")}, "meta": _ref("Meta")}}, "Events"), **ERRORS}},
            },
            "/api/v1/leads/{lead_id}/score": {
                "parameters": [LEAD_ID],
                "get": {"summary": "The lead's engagement and fit scores, explained", "responses": {"200": _json({"type": "object", "properties": {
                    "label": {"type": "string", "description": "grade-temperature, e.g. A-hot"},
                    "engagement": {"type": "object"}, "fit": {"type": "object"}}}, "Scores and their contributions"),
                    "404": {"$ref": "#/components/responses/NotFound"}, **ERRORS}},
            },
            "/api/v1/events": {
                "post": {"summary": "Record engagement outside email for a lead: a page visit, a form elsewhere, a meeting booked",
                         "description": "A meeting_booked also stops the lead's live cadences (reason on its timeline).",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ActivityInput")}}},
                         "responses": {"201": _json(_ref("Activity"), "Recorded"), "415": {"$ref": "#/components/responses/Invalid"}, **ERRORS}},
            },
            "/api/v1/sequences": {
                "get": {"summary": "List sequences", "responses": {"200": _json({"type": "object"}, "Sequences"), **ERRORS}},
                "post": {"summary": "Create a sequence (draft, version 1)", "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SequenceInput")}}},
                         "responses": {"201": _json({"type": "object"}, "Created"), **ERRORS}},
            },
            "/api/v1/sequences/{sequence_id}": {
                "parameters": [SEQUENCE_ID],
                "get": {"summary": "A sequence with its definition and step statistics", "responses": {"200": _json({"type": "object"}, "The sequence"), **ERRORS}},
                "patch": {"summary": "Rename, change policy, or add a version with a new definition", "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SequenceInput")}}},
                          "responses": {"200": _json({"type": "object"}, "Updated"), **ERRORS}},
            },
            "/api/v1/sequences/{sequence_id}/status": {
                "parameters": [SEQUENCE_ID],
                "post": {"summary": "Activate, pause, resume or archive", "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"enum": ["active", "paused", "resumed", "archived"]}}, "required": ["status"]}}}},
                         "responses": {"200": _json({"type": "object"}, "The sequence"), **ERRORS}},
            },
            "/api/v1/sequences/{sequence_id}/enrollments": {
                "parameters": [SEQUENCE_ID],
                "get": {"summary": "Enrollments", "parameters": [{"name": "state", "in": "query", "schema": {"type": "string"}}, *PAGE], "responses": {"200": _json({"type": "object"}, "Enrollments"), **ERRORS}},
                "post": {"summary": "Enroll one lead ({lead_id}) or every lead matching a filter ({filter})",
                         "description": "Refused (422 for one lead; counted in `refused` and listed in `refusals` for a filter, with the reason): "
                                        "unsubscribed, bounced or suppressed addresses; a lead owned by another rep when a rep enrolls; "
                                        "a lead already in another live cadence, unless one of the two sets `\"exclusive\": false` in its definition.",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                             {"type": "object", "properties": {"lead_id": {"type": "integer"}}, "required": ["lead_id"], "additionalProperties": False},
                             {"type": "object", "properties": {"filter": {"type": "object"}}, "required": ["filter"], "additionalProperties": False}]}}}},
                         "responses": {"200": _json({"type": "object"}, "Bulk counts"), "201": _json({"type": "object"}, "Enrolled"), **ERRORS}},
            },
            **SALES_PATHS,
            **REPORT_PATHS,
            **STAGES_PATHS,
            **STUCK_PATHS,
            **PIPELINE_PATHS,
            "/api/v1/inbound": {
                "post": {"summary": "Hand in a reply or bounce (a raw RFC 5322 message) for processing",
                         "description": "For mail gateways that do not use IMAP polling. The message is classified (hard or soft bounce, "
                                        "delay notice, out-of-office, other auto-reply, human reply), matched to the sent message it answers "
                                        "(In-Reply-To / References, a bounce's original headers) or else to a lead by address, and acted on: "
                                        "hard bounces suppress the address, soft bounces are counted, replies score and end sequences that "
                                        "stop on a reply. Processed once per Message-ID: a repeat answers 200 with duplicate true. "
                                        "Admin or marketer token. Bodies above NURTURE_INBOUND_MAX_BYTES (10 MB) get 413.",
                         "requestBody": {"required": True, "content": {
                             "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
                             "application/json": {"schema": {"type": "object", "properties": {"raw": {"type": "string", "description": "The whole message, headers and body"}},
                                                             "required": ["raw"]}}}},
                         "responses": {"201": _json(_ref("Inbound"), "Processed"), "200": _json(_ref("Inbound"), "Already processed (same Message-ID)"),
                                       "413": {"$ref": "#/components/responses/Invalid"}, "415": {"$ref": "#/components/responses/Invalid"}, **ERRORS}},
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "`nurture tokens create EMAIL`"}},
            "schemas": {
                "LeadInput": LEAD_INPUT,
                "ActivityInput": ACTIVITY_INPUT,
                "Activity": ACTIVITY,
                "Lead": {"type": "object", "properties": {**LEAD_INPUT["properties"], "id": {"type": "integer"},
                         "company": {"type": ["object", "null"]}, "owner": {"type": ["object", "null"]},
                         "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
                         "stage_entered_at": {"type": "string", "format": "date-time", "description": "When the lead entered its current stage"}}},
                "Event": {"type": "object", "properties": {"id": {"type": "integer"}, "kind": {"type": "string"}, "reason": {"type": "string"},
                          "data": {"type": "object"}, "actor_user_id": {"type": ["integer", "null"]}, "created_at": {"type": "string", "format": "date-time"}}},
                "Meta": {"type": "object", "properties": {"page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}, "pages": {"type": "integer"}}},
                "SequenceInput": {"type": "object", "properties": {"name": {"type": "string"}, "kind": {"enum": ["nurture", "cadence"]},
                                  "reenroll": {"enum": ["never", "after_exit", "always"]}, "definition": {"type": "object"}}},
                **SALES_SCHEMAS,
                **STAGES_SCHEMAS,
                **STUCK_SCHEMAS,
                **PIPELINE_SCHEMAS,
                "Inbound": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "message_id": {"type": "string"},
                    "kind": {"enum": ["hard_bounce", "soft_bounce", "delay_notice", "out_of_office", "auto_reply", "human_reply"]},
                    "address": {"type": "string", "description": "The failed recipient of a bounce, else the sender"},
                    "status": {"type": ["string", "null"], "description": "DSN status code, e.g. 5.1.1"},
                    "return_on": {"type": ["string", "null"], "format": "date", "description": "Out-of-office: the day they are back"},
                    "matched": {"type": "object", "properties": {"by": {"enum": ["in_reply_to", "references", "original_message", "sender", "failed_address", "none"]},
                                "send_id": {"type": ["integer", "null"]}, "lead_id": {"type": ["integer", "null"]}}},
                    "actions": {"type": "array", "items": {"type": "string"}}, "duplicate": {"type": "boolean"}}},
                "Errors": {"type": "object", "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}}, "required": ["errors"]},
            },
            "responses": {
                name: _json(_ref("Errors"), description)
                for name, description in [("Unauthorized", "Missing or invalid bearer token"), ("Forbidden", "The token's role may not do this"),
                                          ("Invalid", "Bad input, one message per field"), ("NotFound", "No such resource")]
            },
        },
    }  # fmt: skip


@blueprint.get("/openapi.json")
def openapi() -> object:
    return jsonify(document())
