"""Scoring rules: points per engagement type with caps and a half-life, fit rules, and the bands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nurture.errors import ValidationError

ENGAGEMENT_TYPES = ("open", "click", "reply", "form_submit", "page_visit", "meeting_booked", "unsubscribe")
FIT_OPS = ("equals", "in", "contains", "gte", "lte", "exists")


@dataclass(frozen=True)
class FitRule:
    field: str  # a lead field, "company_size", "industry", or "custom.<name>"
    op: str
    value: Any
    points: int
    label: str


@dataclass(frozen=True)
class ScoringRules:
    points: Mapping[str, int] = field(
        default_factory=lambda: {"open": 1, "click": 5, "reply": 15, "form_submit": 20, "page_visit": 2,
                                 "meeting_booked": 40, "unsubscribe": -30}  # fmt: skip
    )
    # The most one type can add (after decay): a hundred opens are not a buying signal.
    caps: Mapping[str, int] = field(default_factory=lambda: {"open": 10, "page_visit": 20})
    total_cap: int = 100
    half_life_days: float = 30.0
    fit_rules: tuple[FitRule, ...] = ()
    # Grade from fit (A ≥ …), temperature from engagement (hot ≥ …).
    grade_bands: tuple[tuple[str, int], ...] = (("A", 60), ("B", 40), ("C", 20), ("D", -10**9))
    temperature_bands: tuple[tuple[str, int], ...] = (("hot", 50), ("warm", 20), ("cold", -10**9))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringRules:
        """Validate an admin's rules; raise ValidationError naming each bad entry."""
        errors: dict[str, str] = {}
        defaults = cls()
        points = dict(defaults.points)
        for kind, value in (data.get("points") or {}).items():
            if kind not in ENGAGEMENT_TYPES:
                errors[f"points.{kind}"] = "Unknown engagement type; one of " + ", ".join(ENGAGEMENT_TYPES)
            elif not isinstance(value, int) or isinstance(value, bool) or not -1000 <= value <= 1000:
                errors[f"points.{kind}"] = "A whole number from -1000 to 1000"
            else:
                points[kind] = value
        caps = dict(data.get("caps") or defaults.caps)
        for kind, value in caps.items():
            if kind not in ENGAGEMENT_TYPES or not isinstance(value, int) or value < 0:
                errors[f"caps.{kind}"] = "A known engagement type and a whole number ≥ 0"
        half_life = data.get("half_life_days", defaults.half_life_days)
        if not isinstance(half_life, int | float) or isinstance(half_life, bool) or not 0 < half_life <= 3650:
            errors["half_life_days"] = "A number of days above 0"
        total_cap = data.get("total_cap", defaults.total_cap)
        if not isinstance(total_cap, int) or total_cap <= 0:
            errors["total_cap"] = "A whole number above 0"
        fit_rules = []
        for index, rule in enumerate(data.get("fit_rules") or []):
            where = f"fit_rules[{index}]"
            if not isinstance(rule, Mapping) or rule.get("op", "equals") not in FIT_OPS or not isinstance(rule.get("field"), str):
                errors[where] = "A rule with field, op (" + ", ".join(FIT_OPS) + ") and value"
                continue
            points_value = rule.get("points")
            if not isinstance(points_value, int) or isinstance(points_value, bool):
                errors[f"{where}.points"] = "A whole number (negative points are allowed)"
                continue
            label = str(rule.get("label") or f"{rule['field']} {rule.get('op', 'equals')} {rule.get('value')}")
            fit_rules.append(FitRule(rule["field"], rule.get("op", "equals"), rule.get("value"), points_value, label[:200]))
        if errors:
            raise ValidationError(errors)
        return cls(points, caps, total_cap, float(half_life), tuple(fit_rules), defaults.grade_bands, defaults.temperature_bands)
