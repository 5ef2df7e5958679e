"""Leads and timeline events as JSON."""

from __future__ import annotations

from typing import Any

from nurture.leads.serialize import iso, lead_json
from nurture.models import LeadEvent

__all__ = ["event_json", "lead_json"]


def event_json(event: LeadEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "reason": event.reason,
        "data": event.data,
        "actor_user_id": event.actor_user_id,
        "created_at": iso(event.created_at),
    }
