"""The OpenAPI description of the stuck-leads report (GET /api/v1/reports/stuck)."""

from __future__ import annotations

from typing import Any

INT, TEXT = {"type": "integer"}, {"type": "string"}
NULLABLE_INT, NULLABLE_TEXT = {"type": ["integer", "null"]}, {"type": ["string", "null"]}
SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}

STUCK_ITEM: dict[str, Any] = {"type": "object", "properties": {
    "lead_id": INT, "lead_email": TEXT, "lead_name": TEXT, "owner_user_id": NULLABLE_INT, "owner_email": NULLABLE_TEXT,
    "age_days": {"type": "integer", "description": "Whole days since the clock started (handoff, entering SQL, close date)"},
    "since": {"type": "string", "format": "date-time"}, "source": TEXT, "campaign": {**NULLABLE_TEXT, "description": "The lead's source_detail"},
    "detail": TEXT, "opportunity_id": NULLABLE_INT}}  # fmt: skip
SOURCE_SHARE: dict[str, Any] = {"type": "object", "properties": {
    "source": TEXT, "campaign": NULLABLE_TEXT, "volume": INT, "sales_ready": INT,
    "sales_ready_share": {**SHARE, "description": "sales_ready / volume"}, "accepted_by_sales": INT,
    "accepted_share": {**SHARE, "description": "accepted_by_sales / sales_ready (every disqualification but bad timing is a rejection)"}}}  # fmt: skip

SCHEMAS = {"StuckItem": STUCK_ITEM, "SourceShare": SOURCE_SHARE}
PATHS = {
    "/api/v1/reports/stuck": {
        "get": {"summary": "Stuck leads and deals now, by category, and per source/campaign shares; admins and marketers",
                "description": "Categories: first_touch_overdue (sales-ready, first touch past its SLA), sql_without_outcome (at SQL "
                               "NURTURE_STUCK_SQL_DAYS days without an opportunity or a disqualification), overdue_opportunity (open, "
                               "close date passed), stage_age (in a stage beyond its maximum age, Admin → Definitions). At most 500 items a category, oldest first (truncated says so). The shares count "
                               "the leads created from..to. The scheduler gives each SQL, deal and stage-age item one task for its owner.",
                "parameters": [{"name": "from", "in": "query", "schema": TEXT, "description": "Shares: a date (inclusive) or date-time"},
                               {"name": "to", "in": "query", "schema": TEXT, "description": "Shares: a date (inclusive) or date-time (exclusive)"},
                               {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}, "description": "csv: one line per item"}],
                "responses": {"200": {"description": "The report", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "as_of": {"type": "string", "format": "date-time"}, "sql_outcome_days": INT,
                        "categories": {"type": "array", "items": {"type": "object", "properties": {
                            "key": TEXT, "title": TEXT, "count": INT, "truncated": {"type": "boolean"}, "creates_tasks": {"type": "boolean"},
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/StuckItem"}}}}},
                        "by_source": {"type": "array", "items": {"$ref": "#/components/schemas/SourceShare"}},
                        "by_campaign": {"type": "array", "items": {"$ref": "#/components/schemas/SourceShare"}}}}},
                    "text/csv": {"schema": TEXT}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"},
                    "422": {"$ref": "#/components/responses/Invalid"}}},
    },
}  # fmt: skip
