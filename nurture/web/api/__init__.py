"""The JSON API under /api/v1 (bearer tokens), described by /api/openapi.json."""

from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api")

# Route modules attach their views to the blueprint.
from nurture.web.api import (  # noqa: E402,F401
    events,
    inbound,
    leads,
    openapi,
    opportunities,
    pipeline,  # noqa: E402,F401
    qualification,
    reports,
    sequences,
    stages,  # noqa: E402,F401
    tasks,
)
