"""The JSON API under /api/v1 (bearer tokens), described by /api/openapi.json."""

from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api")
