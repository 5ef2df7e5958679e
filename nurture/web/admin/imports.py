"""Admin: imports (to be built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_imports", __name__, url_prefix="/imports")
