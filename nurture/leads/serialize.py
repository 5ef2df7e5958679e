"""A lead as JSON: the API's lead representation, also the ``data`` of webhook events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nurture.models import Lead


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def lead_json(lead: Lead) -> dict[str, Any]:
    company = lead.company
    owner = lead.owner
    return {
        "id": lead.id,
        "email": lead.email,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "title": lead.title,
        "phone": lead.phone,
        "company": {
            "id": company.id, "name": company.name, "domain": company.domain, "website": company.website,
            "size": company.size, "industry": company.industry,
        } if company else None,  # fmt: skip
        "source": _value(lead.source),
        "source_detail": lead.source_detail,
        "consent_basis": _value(lead.consent_basis),
        "consent_at": iso(lead.consent_at),
        "country": lead.country,
        "timezone": lead.timezone,
        "owner_team": _value(lead.owner_team),
        "owner": {"id": owner.id, "email": owner.email, "name": owner.name} if owner else None,
        "lifecycle_stage": _value(lead.lifecycle_stage),
        "stage_entered_at": iso(lead.stage_entered_at),
        "lead_status": _value(lead.lead_status),
        "budget": lead.budget,
        "authority": lead.authority,
        "need": lead.need,
        "timeline": lead.timeline,
        "custom_fields": lead.custom_fields or {},
        "created_at": iso(lead.created_at),
        "updated_at": iso(lead.updated_at),
    }
