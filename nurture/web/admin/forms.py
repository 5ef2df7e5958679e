"""Admin: forms (to be built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_forms", __name__, url_prefix="/forms")
