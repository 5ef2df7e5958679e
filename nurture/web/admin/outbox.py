"""Admin: outbox (to be built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_outbox", __name__, url_prefix="/outbox")
