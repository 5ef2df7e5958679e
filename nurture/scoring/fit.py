"""Fit score: rules over what we know of the lead and its company, positive and negative."""

from __future__ import annotations

from typing import Any

from nurture.models import Lead
from nurture.scoring.explain import Contribution, Explanation
from nurture.scoring.rules import FIT_FIELDS, FitRule, ScoringRules

COMPANY_FACTS = ("company_size", "industry")


def lead_facts(lead: Lead) -> dict[str, Any]:
    company = lead.company
    facts: dict[str, Any] = {
        name: getattr(getattr(lead, name), "value", getattr(lead, name))
        for name in FIT_FIELDS
        if name not in COMPANY_FACTS
    }
    facts.update({"company_size": company.size if company else None, "industry": company.industry if company else None})
    facts.update({f"custom.{k}": v for k, v in (lead.custom_fields or {}).items()})
    return facts


def rule_holds(rule: FitRule, value: Any) -> bool:
    if rule.op == "exists":
        return value not in (None, "")
    if value is None:
        return False
    if rule.op == "equals":
        return str(value).lower() == str(rule.value).lower()
    if rule.op == "in":
        return isinstance(rule.value, list) and str(value).lower() in {str(v).lower() for v in rule.value}
    if rule.op == "contains":
        needles = rule.value if isinstance(rule.value, list) else [rule.value]
        return any(str(n).lower() in str(value).lower() for n in needles)
    try:
        return float(value) >= float(rule.value) if rule.op == "gte" else float(value) <= float(rule.value)
    except (TypeError, ValueError):
        return False


def fit_score(facts: dict[str, Any], rules: ScoringRules) -> Explanation:
    explanation = Explanation()
    for rule in rules.fit_rules:
        if rule_holds(rule, facts.get(rule.field)):
            explanation.contributions.append(Contribution("fit", rule.label, rule.points, rule.points))
    return explanation


def band(score: int, bands: tuple[tuple[str, int], ...]) -> str:
    """The first band whose floor the score reaches (bands are ordered high to low)."""
    for name, floor in bands:
        if score >= floor:
            return name
    return bands[-1][0]
