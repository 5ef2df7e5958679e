"""Scoring rules: points per engagement type with caps and a half-life, fit rules, and the bands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nurture.errors import ValidationError

ENGAGEMENT_TYPES = ("open", "click", "reply", "form_submit", "page_visit", "meeting_booked", "unsubscribe")
FIT_OPS = ("equals", "in", "contains", "gte", "lte", "exists")
# What fit rules can look at: lead fields, the company's size and industry, and "custom.<name>".
FIT_FIELDS = ("title", "country", "source", "lifecycle_stage", "lead_status", "budget", "authority", "need", "timeline",
              "company_size", "industry")  # fmt: skip
BOTTOM = -(10**9)  # the floor of the last band: every score reaches it
GRADES, TEMPERATURES = ("A", "B", "C", "D"), ("hot", "warm", "cold")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class FitRule:
    field: str  # a lead field, "company_size", "industry", or "custom.<name>"
    op: str
    value: Any
    points: int
    label: str


def auto_label(field_name: str, op: str, value: Any) -> str:
    shown = ", ".join(map(str, value)) if isinstance(value, list) else value
    return f"{field_name} {op}" + ("" if op == "exists" else f" {shown}")


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
    # Grade from fit (A ≥ …), temperature from engagement (hot ≥ …), high to low; the last band takes the rest.
    grade_bands: tuple[tuple[str, int], ...] = (("A", 60), ("B", 40), ("C", 20), ("D", BOTTOM))
    temperature_bands: tuple[tuple[str, int], ...] = (("hot", 50), ("warm", 20), ("cold", BOTTOM))

    def to_dict(self) -> dict[str, Any]:
        """The stored form, which ``from_dict`` reads back to equal rules."""
        return {
            "points": dict(self.points),
            "caps": dict(self.caps),
            "total_cap": self.total_cap,
            "half_life_days": self.half_life_days,
            "fit_rules": [
                {"field": r.field, "op": r.op, "value": r.value, "points": r.points}
                | ({"label": r.label} if r.label != auto_label(r.field, r.op, r.value) else {})
                for r in self.fit_rules
            ],
            "grade_bands": {name: floor for name, floor in self.grade_bands[:-1]},
            "temperature_bands": {name: floor for name, floor in self.temperature_bands[:-1]},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringRules:
        """Validate an admin's rules; raise ValidationError naming each bad entry (missing parts keep defaults)."""
        errors: dict[str, str] = {}
        defaults = cls()
        points = dict(defaults.points)
        for kind, value in (data.get("points") or {}).items():
            if kind not in ENGAGEMENT_TYPES:
                errors[f"points.{kind}"] = "Unknown engagement type; one of " + ", ".join(ENGAGEMENT_TYPES)
            elif not _is_int(value) or not -1000 <= value <= 1000:
                errors[f"points.{kind}"] = "A whole number from -1000 to 1000"
            else:
                points[kind] = value
        caps = dict(data["caps"] if data.get("caps") is not None else defaults.caps)
        for kind, value in caps.items():
            if kind not in ENGAGEMENT_TYPES or not _is_int(value) or value < 0:
                errors[f"caps.{kind}"] = "A known engagement type and a whole number ≥ 0"
        half_life = data.get("half_life_days", defaults.half_life_days)
        if not isinstance(half_life, int | float) or isinstance(half_life, bool) or not 0 < half_life <= 3650:
            errors["half_life_days"] = "A number of days above 0 (at most 3650)"
        total_cap = data.get("total_cap", defaults.total_cap)
        if not _is_int(total_cap) or total_cap <= 0:
            errors["total_cap"] = "A whole number above 0"
        fit_rules = [rule for i, r in enumerate(data.get("fit_rules") or []) if (rule := parse_fit_rule(i, r, errors))]
        grades = _bands("grade_bands", data.get("grade_bands"), defaults.grade_bands, errors)
        temperatures = _bands("temperature_bands", data.get("temperature_bands"), defaults.temperature_bands, errors)
        if errors:
            raise ValidationError(errors)
        return cls(points, caps, total_cap, float(half_life), tuple(fit_rules), grades, temperatures)


def parse_fit_rule(index: int, rule: Any, errors: dict[str, str], prefix: str = "fit_rules") -> FitRule | None:
    """One rule over a lead field (also a stage's entry condition, with points 0); errors keyed ``prefix[index]``."""
    where = f"{prefix}[{index}]"
    if not isinstance(rule, Mapping):
        errors[where] = "A rule with field, op (" + ", ".join(FIT_OPS) + "), value and points"
        return None
    before = len(errors)
    name, op, value, points = rule.get("field"), rule.get("op", "equals"), rule.get("value"), rule.get("points")
    if not isinstance(name, str) or not (name in FIT_FIELDS or (name.startswith("custom.") and len(name) > 7)):
        errors[f"{where}.field"] = "One of " + ", ".join(FIT_FIELDS) + ", or custom.<name>"
    if op not in FIT_OPS:
        errors[f"{where}.op"] = "One of " + ", ".join(FIT_OPS)
    elif op in ("gte", "lte"):
        try:
            number = float(value)  # type: ignore[arg-type]
            value = int(number) if number.is_integer() else number
        except (TypeError, ValueError):
            errors[f"{where}.value"] = "A number to compare with"
    elif op in ("in", "contains"):
        items = value if isinstance(value, list) else [value]
        value = [str(v).strip() for v in items if v is not None and str(v).strip()]
        if not value:
            errors[f"{where}.value"] = "One value or more (separated by commas)"
    elif op == "equals" and (value is None or str(value).strip() == "" or isinstance(value, list | dict)):
        errors[f"{where}.value"] = "A value to compare with"
    if op == "exists":
        value = None
    if not _is_int(points) or not -1000 <= points <= 1000:
        errors[f"{where}.points"] = "A whole number from -1000 to 1000 (negative points are allowed)"
    if len(errors) > before:
        return None
    label = str(rule.get("label") or "").strip() or auto_label(name, op, value)  # type: ignore[arg-type]
    return FitRule(name, op, value, points, label[:200])  # type: ignore[arg-type]


def _bands(
    where: str, given: Any, default: tuple[tuple[str, int], ...], errors: dict[str, str]
) -> tuple[tuple[str, int], ...]:
    """Floors for every band but the last, strictly decreasing (``{"A": 60, "B": 40, "C": 20}``)."""
    if given is None:
        return default
    names = [name for name, _floor in default[:-1]]
    if not isinstance(given, Mapping):
        errors[where] = "Floors for " + ", ".join(names)
        return default
    bands: list[tuple[str, int]] = []
    for name in names:
        floor = given.get(name)
        if not _is_int(floor) or not -1000 <= floor <= 1000:
            errors[f"{where}.{name}"] = "A whole number from -1000 to 1000"
        elif bands and floor >= bands[-1][1]:
            errors[f"{where}.{name}"] = f"Below the floor of {bands[-1][0]} ({bands[-1][1]})"
        else:
            bands.append((name, floor))
    return (*bands, default[-1])
