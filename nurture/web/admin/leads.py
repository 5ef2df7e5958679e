"""Leads list and lead detail (placeholder until the admin pages land)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from nurture.models import Role
from nurture.web.auth import roles_required

bp = Blueprint("admin_leads", __name__, url_prefix="/leads")


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER, Role.REP)
def index() -> Any:
    return "Leads"
