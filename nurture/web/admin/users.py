"""Admin: users (to be built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_users", __name__, url_prefix="/users")
