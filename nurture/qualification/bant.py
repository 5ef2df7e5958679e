"""Recording a rep's BANT answers on the lead (budget, authority, need, timeline)."""

from __future__ import annotations

from typing import Any

from nurture.models import Lead


def set_bant(lead: Lead, bant: dict[str, str | None]) -> dict[str, list[Any]]:
    """Set the answers given; returns the changes for the qualify/disqualify event (no separate "updated" event,
    which would make the engagement evaluator re-score the lead)."""
    changes: dict[str, list[Any]] = {}
    for name, value in bant.items():
        if getattr(lead, name) != value:
            changes[name] = [getattr(lead, name), value]
            setattr(lead, name, value)
    return changes
