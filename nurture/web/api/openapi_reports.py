"""The OpenAPI description of the catalog's reports: one path each, all of the same shape."""

from __future__ import annotations

from typing import Any

from nurture.reports.catalog import REPORTS

PERIOD = [
    {"name": "from", "in": "query", "schema": {"type": "string"}, "description": "A date (inclusive) or date-time"},
    {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "A date (inclusive) or date-time (exclusive)"},
    {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}},
]
REPORT = {
    "type": "object",
    "required": ["report", "from", "to", "tables"],
    "properties": {
        "report": {"type": "string"},
        "title": {"type": "string"},
        "from": {"type": ["string", "null"], "format": "date-time"},
        "to": {"type": ["string", "null"], "format": "date-time"},
        "summary": {"type": "object"},
        "notes": {"type": "array", "items": {"type": "string"}},
        "tables": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "title": {"type": "string"}, "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "object"}}}}},
    },
}  # fmt: skip
ERRORS = {code: {"$ref": f"#/components/responses/{name}"} for code, name in
          (("401", "Unauthorized"), ("403", "Forbidden"), ("422", "Invalid"))}  # fmt: skip


def _path(title: str, description: str, roles: str) -> dict[str, Any]:
    return {"get": {
        "summary": f"{title} ({roles})", "description": description, "parameters": PERIOD,
        "responses": {"200": {"description": "The report: tables of rows; as CSV, every table's rows with a first column naming the table",
                              "content": {"application/json": {"schema": REPORT}, "text/csv": {"schema": {"type": "string"}}}},
                      **ERRORS},
    }}  # fmt: skip


PATHS = {f"/api/v1/reports/{spec.slug}": _path(spec.title, spec.description, ", ".join(r.value for r in spec.roles))
         for spec in REPORTS}  # fmt: skip
