"""The navigation, by role: each user sees only what they may use."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from nurture.models import Role

ALL = (Role.ADMIN, Role.MARKETER, Role.REP)
NAV = [
    ("admin_today.index", "Today", ALL),
    ("admin_leads.index", "Leads", ALL),
    ("admin_hot_leads.index", "Hot leads", ALL),
    ("admin_opportunities.index", "Opportunities", ALL),
    ("admin_imports.new", "Import", (Role.ADMIN, Role.MARKETER)),
    ("admin_forms.index", "Forms", (Role.ADMIN, Role.MARKETER)),
    ("admin_sequences.index", "Sequences", (Role.ADMIN, Role.MARKETER)),
    ("admin_outbox.index", "Outbox", (Role.ADMIN, Role.MARKETER)),
    ("admin_scoring.index", "Scoring", (Role.ADMIN, Role.MARKETER)),
    ("admin_routing.index", "Routing", (Role.ADMIN,)),
    ("admin_routing.me", "Availability", (Role.REP,)),
    ("admin_inbound.index", "Inbound", (Role.ADMIN, Role.MARKETER)),
    ("admin_users.index", "Users", (Role.ADMIN,)),
    ("admin_webhooks.index", "Webhooks", (Role.ADMIN,)),
    ("admin_reports.index", "Reports", ALL),
    ("admin_queues.index", "Queues", (Role.ADMIN,)),
    ("admin_definitions.index", "Definitions", ALL),
    ("admin_stuck.index", "Stuck", (Role.ADMIN, Role.MARKETER)),
    ("admin_statuses_bands.index", "Statuses", ALL),
    ("admin_mailbox.edit", "Mailbox", ALL),
]


def nav_items() -> list[tuple[str, str, tuple[Role, ...]]]:
    if not current_user.is_authenticated:
        return []
    return [
        item for item in NAV if current_user.role in item[2] and item[0] in current_app.view_functions
    ]


def init_app(app: Flask) -> None:
    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {"nav_items": nav_items}
