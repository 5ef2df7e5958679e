"""The scoring editor's form ↔ the policy documents.

Input names are the validation's error keys (``rules.points.click``,
``rules.fit_rules[0].value``, ``thresholds.mql_engagement``), so each error
lands next to its input, and the typed text is kept as typed.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from nurture.handoff.policy import Policy
from nurture.scoring.rules import ENGAGEMENT_TYPES, GRADES, TEMPERATURES

THRESHOLD_NUMBERS = ("mql_engagement", "sales_ready_engagement", "sales_ready_min_fit", "hysteresis", "sla_business_hours")
RULE_FIELDS = ("field", "op", "value", "points", "label")
LIST_OPS = ("in", "contains")


def values_from_policy(policy: Policy) -> tuple[dict[str, str], list[dict[str, str]]]:
    rules, thresholds = policy.rules.to_dict(), policy.thresholds.to_dict()
    values = {f"rules.points.{t}": str(rules["points"].get(t, 0)) for t in ENGAGEMENT_TYPES}
    values |= {f"rules.caps.{t}": str(rules["caps"].get(t, "")) for t in ENGAGEMENT_TYPES}
    values |= {"rules.total_cap": str(rules["total_cap"]), "rules.half_life_days": f"{rules['half_life_days']:g}"}
    values |= {f"rules.grade_bands.{g}": str(v) for g, v in rules["grade_bands"].items()}
    values |= {f"rules.temperature_bands.{t}": str(v) for t, v in rules["temperature_bands"].items()}
    values |= {f"thresholds.{name}": str(thresholds[name]) for name in THRESHOLD_NUMBERS}
    values |= {"thresholds.escalation_email": thresholds["escalation_email"], "thresholds.reassign_on_breach": "on" if thresholds["reassign_on_breach"] else ""}
    rows = [
        {"field": r.field, "op": r.op, "value": ", ".join(map(str, r.value)) if isinstance(r.value, list) else ("" if r.value is None else str(r.value)),
         "points": str(r.points), "label": r.label}
        for r in policy.rules.fit_rules
    ]  # fmt: skip
    return values, rows


def values_from_form(form: MultiDict[str, str]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The posted text (blank fit rule rows dropped), capped in length: shown again as typed."""
    values = {name: form.get(name, "")[:300] for name in form if not name.startswith("rules.fit_rules[") and name != "csrf_token"}
    values["thresholds.reassign_on_breach"] = "on" if form.get("thresholds.reassign_on_breach") else ""
    count = form.get("fit_rule_count", "")
    rows = []
    for index in range(min(int(count), 200) if count.isdigit() else 0):
        row = {name: form.get(f"rules.fit_rules[{index}].{name}", "")[:300] for name in RULE_FIELDS}
        if any(row[name].strip() for name in ("field", "value", "points", "label")):
            rows.append(row)
    return values, rows


def _number(text: str) -> Any:
    """A whole number, else a decimal, else the text itself (for the validation to name)."""
    text = text.strip()
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return text


def policy_input(values: dict[str, str], rows: list[dict[str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    def number(name: str) -> Any:
        return _number(values.get(name, ""))

    rules: dict[str, Any] = {
        "points": {t: number(f"rules.points.{t}") for t in ENGAGEMENT_TYPES},
        "caps": {t: number(f"rules.caps.{t}") for t in ENGAGEMENT_TYPES if values.get(f"rules.caps.{t}", "").strip()},
        "total_cap": number("rules.total_cap"),
        "half_life_days": number("rules.half_life_days"),
        "grade_bands": {g: number(f"rules.grade_bands.{g}") for g in GRADES[:-1]},
        "temperature_bands": {t: number(f"rules.temperature_bands.{t}") for t in TEMPERATURES[:-1]},
        "fit_rules": [
            {"field": row["field"].strip(), "op": row["op"], "points": _number(row["points"]), "label": row["label"],
             "value": row["value"].split(",") if row["op"] in LIST_OPS else row["value"].strip()}
            for row in rows
        ],
    }  # fmt: skip
    thresholds: dict[str, Any] = {name: number(f"thresholds.{name}") for name in THRESHOLD_NUMBERS}
    thresholds["escalation_email"] = values.get("thresholds.escalation_email", "").strip()
    thresholds["reassign_on_breach"] = bool(values.get("thresholds.reassign_on_breach"))
    return rules, thresholds
