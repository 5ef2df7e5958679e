"""MQL and sales-ready thresholds, with hysteresis, and the first-touch SLA with its escalation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from nurture.errors import ValidationError
from nurture.leads.validation import normalize_email


@dataclass(frozen=True)
class Thresholds:
    mql_engagement: int = 30
    sales_ready_engagement: int = 50
    sales_ready_min_fit: int = 0
    # Below threshold minus this margin a lead has cooled (for reports and re-nurture), not just below.
    hysteresis: int = 10
    sla_business_hours: int = 24
    # A missed first touch is emailed to the rep's manager, or here when the rep has none ("" : nobody).
    escalation_email: str = ""
    # And, if set, the lead goes to the next rep by routing, with a new first-touch task.
    reassign_on_breach: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        """Validate an admin's thresholds; missing entries keep their defaults."""
        errors: dict[str, str] = {}
        values = cls().to_dict()
        limits = {"mql_engagement": (-1000, 1000), "sales_ready_engagement": (-1000, 1000),
                  "sales_ready_min_fit": (-1000, 1000), "hysteresis": (0, 1000), "sla_business_hours": (1, 24 * 30)}  # fmt: skip
        for name, (low, high) in limits.items():
            value = data.get(name, values[name])
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors[name] = f"A whole number from {low} to {high}"
            values[name] = value
        if "mql_engagement" not in errors and "sales_ready_engagement" not in errors:
            if values["sales_ready_engagement"] < values["mql_engagement"]:
                errors["sales_ready_engagement"] = "At least the MQL threshold"
        address = data.get("escalation_email") or ""
        if address:
            values["escalation_email"], error = normalize_email(address)
            if error:
                errors["escalation_email"] = error
        values["reassign_on_breach"] = data.get("reassign_on_breach", False)
        if not isinstance(values["reassign_on_breach"], bool):
            errors["reassign_on_breach"] = "true or false"
        if errors:
            raise ValidationError(errors)
        return cls(**values)


def cooled(engagement: int, t: Thresholds) -> bool:
    return engagement < t.mql_engagement - t.hysteresis
