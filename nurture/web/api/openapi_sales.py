"""The OpenAPI description of the sales side: opportunities, tasks, qualification, the lead-quality report."""

from __future__ import annotations

from typing import Any

from nurture.models import DisqualificationReason
from nurture.tasks.work import CALL_OUTCOMES, KINDS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "422": {"$ref": "#/components/responses/Invalid"},
}
NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
PAGE = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]
LEAD_ID = {"name": "lead_id", "in": "path", "required": True, "schema": {"type": "integer"}}
OPPORTUNITY_ID = {"name": "opportunity_id", "in": "path", "required": True, "schema": {"type": "integer"}}
TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}
AMOUNT = {"type": ["string", "number"], "description": "A decimal amount, at most two decimal places, e.g. \"12500.00\""}
DATE = {"type": "string", "format": "date"}
BANT = {name: {"type": ["string", "null"], "maxLength": 200} for name in ("budget", "authority", "need", "timeline")}

OPPORTUNITY_FIELDS = {
    "name": {"type": "string", "maxLength": 200},
    "amount": AMOUNT,
    "currency": {"type": "string", "description": "ISO 4217 code, e.g. EUR"},
    "close_date": {**DATE, "description": "Required: every opportunity has a close date"},
    "stage": {"type": "string", "description": "A pipeline stage key (qualification, discovery, proposal, negotiation, closed_won, closed_lost)"},
    "owner_user_id": {"type": ["integer", "null"]},
}
SCHEMAS = {
    "OpportunityInput": {"type": "object", "additionalProperties": False,
                         "required": ["contact_lead_id", "name", "amount", "currency", "close_date"],
                         "properties": {**OPPORTUNITY_FIELDS, "contact_lead_id": {"type": "integer"}, "company_id": {"type": "integer"},
                                        "previous_opportunity_id": {"type": "integer", "description": "The lost deal this one brings back"}}},
    "OpportunityChange": {"type": "object", "additionalProperties": False,
                          "properties": {**OPPORTUNITY_FIELDS, "lost_reason": {"type": "string", "maxLength": 500,
                                                                               "description": "Required when moving to a lost stage"}}},
    "Opportunity": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "amount": {"type": "string"}, "currency": {"type": "string"},
        "close_date": DATE, "stage": {"type": "object"}, "company_id": {"type": ["integer", "null"]},
        "contact_lead_id": {"type": "integer"}, "owner_user_id": {"type": ["integer", "null"]},
        "source": {"type": "string"}, "campaign": {"type": ["string", "null"]}, "lost_reason": {"type": ["string", "null"]},
        "previous_opportunity_id": {"type": ["integer", "null"]}, "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"}, "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "history": {"type": "array", "items": {"type": "object"}, "description": "Only on GET of one opportunity"}}},
    "Task": {"type": "object", "properties": {
        "id": {"type": "integer"}, "lead_id": {"type": "integer"}, "owner_user_id": {"type": ["integer", "null"]},
        "kind": {"type": "string"}, "title": {"type": "string"}, "due_at": {"type": "string", "format": "date-time"},
        "completed_at": {"type": ["string", "null"]}, "outcome": {"type": ["string", "null"]}, "notes": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "enrollment_id": {"type": ["integer", "null"], "description": "The cadence enrollment whose step created it"},
        "step_id": {"type": ["string", "null"]}, "instructions": {"type": ["string", "null"]},
        "draft": {"type": ["object", "null"], "description": "Manual email tasks: the draft rendered for the lead, as edited",
                  "properties": {"subject": {"type": "string"}, "text": {"type": "string"}, "html": {"type": ["string", "null"]}}}}},
    "QualityRow": {"type": "object", "properties": {
        "source": {"type": "string"}, "campaign": {"type": ["string", "null"]}, "leads": {"type": "integer"},
        "mqls": {"type": "integer"}, "sales_accepted": {"type": "integer", "description": "Reached SQL"},
        "disqualified": {"type": "integer"}, "disqualified_by_reason": {"type": "object"},
        "bad_timing_returns": {"type": "integer", "description": "Bad-timing disqualifications whose date came and the lead resurfaced"},
        "opportunities": {"type": "integer"}, "won": {"type": "integer"}}},
}
OPPORTUNITY_FILTERS = [
    {"name": "owner_user_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "stage", "in": "query", "schema": {"type": "string"}},
    {"name": "open", "in": "query", "schema": {"enum": ["true", "false"]}},
    {"name": "closing_before", "in": "query", "schema": DATE},
    {"name": "company_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "contact_lead_id", "in": "query", "schema": {"type": "integer"}},
]
TASK_FILTERS = [
    {"name": "owner", "in": "query", "schema": {"type": "string"}, "description": "me (default), all, unassigned or a user id; reps: me only"},
    {"name": "due_before", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "overdue", "in": "query", "schema": {"enum": ["true", "false"]}},
    {"name": "kind", "in": "query", "schema": {"enum": list(KINDS)}},
    {"name": "lead_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "status", "in": "query", "schema": {"enum": ["open", "completed", "all"]}},
]
PAGE_OF = lambda item: {"type": "object", "properties": {"data": {"type": "array", "items": _ref(item)}, "meta": _ref("Meta")}}  # noqa: E731

PATHS = {
    "/api/v1/opportunities": {
        "get": {"summary": "List opportunities, soonest close date first", "parameters": OPPORTUNITY_FILTERS + PAGE,
                "responses": {"200": _json(PAGE_OF("Opportunity"), "A page of opportunities"), **ERRORS}},
        "post": {"summary": "Create an opportunity (reps: for their own leads). 422 without a close date. Opportunities are never deleted.",
                 "requestBody": _body(_ref("OpportunityInput")),
                 "responses": {"201": _json(_ref("Opportunity"), "Created"), **ERRORS}},
    },
    "/api/v1/opportunities/{opportunity_id}": {
        "parameters": [OPPORTUNITY_ID],
        "get": {"summary": "An opportunity with its history", "responses": {"200": _json(_ref("Opportunity"), "The opportunity"), **NOT_FOUND, **ERRORS}},
        "patch": {"summary": "Move the stage or change amount, close date, owner (closed deals do not change; there is no DELETE)",
                  "requestBody": _body(_ref("OpportunityChange")),
                  "responses": {"200": _json(_ref("Opportunity"), "Changed"), **NOT_FOUND, **ERRORS}},
    },
    "/api/v1/leads/{lead_id}/qualify": {
        "parameters": [LEAD_ID],
        "post": {"summary": "Qualify: record BANT, create an opportunity, the lead becomes an opportunity (status qualified)",
                 "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["amount", "currency", "close_date"],
                                       "properties": {**BANT, **OPPORTUNITY_FIELDS}}),
                 "responses": {"201": _json({"type": "object", "properties": {"lead": _ref("Lead"), "opportunity": _ref("Opportunity")}}, "Qualified"),
                               **NOT_FOUND, **ERRORS}},
    },
    "/api/v1/leads/{lead_id}/disqualify": {
        "parameters": [LEAD_ID],
        "post": {"summary": "Disqualify: back to marketing (owner cleared), recycled to stage lead, cadences exited; bad timing resurfaces on resurface_on",
                 "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["reason"], "properties": {
                     "reason": {"enum": [r.value for r in DisqualificationReason]},
                     "note": {"type": ["string", "null"], "maxLength": 1000},
                     "resurface_on": {**DATE, "description": "Required for bad_timing (a future date), refused otherwise"}, **BANT}}),
                 "responses": {"200": _json({"type": "object"}, "Disqualified"), **NOT_FOUND, **ERRORS}},
    },
    "/api/v1/tasks": {
        "get": {"summary": "List tasks (open by default), earliest due first", "parameters": TASK_FILTERS + PAGE,
                "responses": {"200": _json(PAGE_OF("Task"), "A page of tasks"), **ERRORS}},
        "post": {"summary": "Create a task on a lead (reps: their own leads, for themselves)",
                 "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["lead_id", "title"], "properties": {
                     "lead_id": {"type": "integer"}, "kind": {"enum": list(KINDS)}, "title": {"type": "string", "maxLength": 300},
                     "due_at": {"type": "string", "format": "date-time"}, "owner_user_id": {"type": "integer"}}}),
                 "responses": {"201": _json(_ref("Task"), "Created"), **ERRORS}},
    },
    "/api/v1/tasks/{task_id}/complete": {
        "parameters": [TASK_ID],
        "post": {"summary": "Complete a task; calls need an outcome", "requestBody": _body({"type": "object", "additionalProperties": False, "properties": {
                     "outcome": {"type": "string", "description": "Calls: " + ", ".join(CALL_OUTCOMES)}, "notes": {"type": "string", "maxLength": 5000}}}),
                 "responses": {"200": _json(_ref("Task"), "Completed"), **NOT_FOUND, **ERRORS}},
    },
    "/api/v1/tasks/{task_id}/send": {
        "parameters": [TASK_ID],
        "post": {"summary": "Send a manual email task's draft exactly as edited (fields given replace the draft's), at most once, "
                            "from the owner's mailbox; completes the task. Admins, or the owning rep",
                 "requestBody": _body({"type": "object", "additionalProperties": False, "properties": {
                     "subject": {"type": "string", "maxLength": 998}, "text": {"type": "string"}, "html": {"type": ["string", "null"]}}}),
                 "responses": {"200": _json(_ref("Task"), "Sent"),
                               "409": _json(_ref("Errors"), "Not sent (already sent, suppressed, mailbox cap reached, or the server refused)"),
                               **NOT_FOUND, **ERRORS}},
    },
    "/api/v1/reports/lead-quality": {
        "get": {"summary": "Lead quality per source and campaign (source_detail) for the leads created from..to; admins and marketers",
                "parameters": [{"name": "from", "in": "query", "schema": {"type": "string"}, "description": "A date (inclusive) or date-time"},
                               {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "A date (inclusive) or date-time (exclusive)"},
                               {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}],
                "responses": {"200": {"description": "The report", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {"total": _ref("QualityRow"),
                        "by_source": {"type": "array", "items": _ref("QualityRow")}, "by_campaign": {"type": "array", "items": _ref("QualityRow")}}}},
                    "text/csv": {"schema": {"type": "string"}}}}, **ERRORS}},
    },
}  # fmt: skip
