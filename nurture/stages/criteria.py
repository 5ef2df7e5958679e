"""A stage's entry criteria: what moves a lead into it, validated, judged and said in words.

A lead meets them when every field condition holds and either its score reaches the thresholds or it
gave one of the buying signals — a signal counts whatever the score (the hand-raiser fast-track). A
stage with no criteria at all is never entered automatically (qualification, Closed Won … move leads there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nurture.errors import ValidationError
from nurture.handoff.thresholds import Thresholds
from nurture.scoring.fit import rule_holds
from nurture.scoring.rules import FitRule, parse_fit_rule

# "": no score criterion; the two policy modes follow Admin → Scoring's thresholds; "custom": the stage's own.
SCORE_MODES = ("", "policy_mql", "policy_sales_ready", "custom")
SIGNAL_EVENTS = ("form:<form key>", "page:<part of the URL>", "reply", "meeting_booked")
MAX_SIGNALS, MAX_FIELDS = 20, 20


@dataclass(frozen=True)
class Signals:
    """The buying signals a lead gave (since its last disqualification): read by nurture.stages.signals."""

    forms: frozenset[str] = frozenset()
    pages: tuple[str, ...] = ()
    replied: bool = False
    meeting_booked: bool = False

    def gave(self, event: str) -> bool:
        kind, _, detail = event.partition(":")
        if kind == "form":
            return detail in self.forms
        if kind == "page":
            return any(detail.lower() in url.lower() for url in self.pages)
        return self.replied if kind == "reply" else self.meeting_booked


@dataclass(frozen=True)
class LeadFacts:
    engagement: int
    fit: int
    fields: Mapping[str, Any]  # nurture.scoring.fit.lead_facts
    signals: Signals = Signals()


@dataclass(frozen=True)
class Criteria:
    score: str = ""
    min_engagement: int | None = None
    min_fit: int | None = None
    # Any one group suffices; a group needs every one of its events ("page:/pricing" and "reply").
    signals: tuple[tuple[str, ...], ...] = ()
    fields: tuple[FitRule, ...] = field(default=())

    @property
    def automatic(self) -> bool:
        return bool(self.score or self.signals or self.fields)

    def thresholds(self, policy: Thresholds) -> tuple[int | None, int | None]:
        """(minimum engagement, minimum fit) in force: the policy's, or the stage's own."""
        if self.score == "policy_mql":
            return policy.mql_engagement, None
        if self.score == "policy_sales_ready":
            return policy.sales_ready_engagement, policy.sales_ready_min_fit
        return (self.min_engagement, self.min_fit) if self.score == "custom" else (None, None)

    def met_by(self, facts: LeadFacts, policy: Thresholds) -> str | None:
        """Why the lead meets these criteria (for its timeline), or None."""
        if not self.automatic or not all(rule_holds(r, facts.fields.get(r.field)) for r in self.fields):
            return None
        for group in self.signals:
            if all(facts.signals.gave(event) for event in group):
                return "buying signal: " + " and ".join(describe_event(e) for e in group)
        engagement, fit = self.thresholds(policy)
        if self.score:
            if (engagement is None or facts.engagement >= engagement) and (fit is None or facts.fit >= fit):
                return f"score {facts.engagement} engagement, {facts.fit} fit reached " + _threshold_words(engagement, fit)
            return None
        return "field conditions hold" if not self.signals else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score, "min_engagement": self.min_engagement, "min_fit": self.min_fit,
            "signals": [list(group) for group in self.signals],
            "fields": [{"field": r.field, "op": r.op, "value": r.value} for r in self.fields],
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Criteria:
        """Validate; errors keyed by field (``signals[1]``, ``fields[0].op``) and raised together."""
        errors: dict[str, str] = {}
        score = data.get("score") or ""
        if score not in SCORE_MODES:
            errors["score"] = "One of: none, policy_mql, policy_sales_ready, custom"
        numbers: dict[str, int | None] = {}
        for name in ("min_engagement", "min_fit"):
            value = data.get(name)
            value = None if value in (None, "") else value
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not -1000 <= value <= 1000):
                errors[name] = "A whole number from -1000 to 1000, or empty"
                value = None
            numbers[name] = value
        if score == "custom" and numbers["min_engagement"] is None and numbers["min_fit"] is None and not errors:
            errors["min_engagement"] = "Give a minimum engagement, a minimum fit, or both"
        signals = _signals(data.get("signals") or [], errors)
        fields = _fields(data.get("fields") or [], errors)
        if errors:
            raise ValidationError(errors)
        if score != "custom":
            numbers = {"min_engagement": None, "min_fit": None}
        return cls(score, numbers["min_engagement"], numbers["min_fit"], signals, fields)


def _signals(raw: Any, errors: dict[str, str]) -> tuple[tuple[str, ...], ...]:
    """Groups of events: lists of strings, or text with one group a line, events joined by "+"."""
    if isinstance(raw, str):
        raw = [[e.strip() for e in line.split("+")] for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list) or len(raw) > MAX_SIGNALS:
        errors["signals"] = f"At most {MAX_SIGNALS} groups of events"
        return ()
    groups = []
    for index, group in enumerate(raw):
        events = [group] if isinstance(group, str) else group
        if not isinstance(events, list) or not events or not all(isinstance(e, str) and _valid_event(e) for e in events):
            errors[f"signals[{index}]"] = "Events joined by +, each one of " + ", ".join(SIGNAL_EVENTS)
            continue
        groups.append(tuple(e.strip() for e in events))
    return tuple(groups)


def _valid_event(event: str) -> bool:
    kind, colon, detail = event.strip().partition(":")
    if kind in ("form", "page"):
        return bool(colon and detail.strip()) and len(detail) <= 200
    return kind in ("reply", "meeting_booked") and not colon


def _fields(raw: Any, errors: dict[str, str]) -> tuple[FitRule, ...]:
    """Conditions as rule objects, or text with one "field op value" a line (e.g. ``country in DE, AT``)."""
    if isinstance(raw, str):
        raw = [_field_line(line) for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list) or len(raw) > MAX_FIELDS:
        errors["fields"] = f"At most {MAX_FIELDS} conditions"
        return ()
    rules = []
    for index, rule in enumerate(raw):
        given = {**rule, "points": 0} if isinstance(rule, Mapping) else rule
        parsed = parse_fit_rule(index, given, errors, prefix="fields")
        if parsed is not None:
            rules.append(parsed)
    return tuple(rules)


def _field_line(line: str) -> dict[str, Any]:
    name, _, rest = line.strip().partition(" ")
    op, _, value = rest.strip().partition(" ")
    listed: Any = [v.strip() for v in value.split(",")] if op in ("in", "contains") else value.strip()
    return {"field": name, "op": op, "value": listed}


def describe_event(event: str) -> str:
    kind, _, detail = event.partition(":")
    if kind == "form":
        return f"a submission of form {detail!r}"
    if kind == "page":
        return f"a visit to a page whose address contains {detail!r}"
    return "a reply to an email" if kind == "reply" else "a meeting booked"


def _threshold_words(engagement: int | None, fit: int | None) -> str:
    parts = ([f"engagement ≥ {engagement}"] if engagement is not None else []) + ([f"fit ≥ {fit}"] if fit is not None else [])
    return " and ".join(parts)


def describe(criteria: Criteria, policy: Thresholds) -> list[str]:
    """The criteria in words, one sentence a line, for the Definitions page."""
    if not criteria.automatic:
        return ["Entered by an action (a rep, a sequence step, qualification, a won deal), not automatically."]
    lines = []
    engagement, fit = criteria.thresholds(policy)
    if criteria.score:
        source = {"policy_mql": " (the MQL threshold of Admin → Scoring)",
                  "policy_sales_ready": " (the sales-ready thresholds of Admin → Scoring)"}.get(criteria.score, "")  # fmt: skip
        lines.append(f"Score: {_threshold_words(engagement, fit)}{source}.")
    for group in criteria.signals:
        lines.append("Or at once, whatever the score, on " + " and ".join(describe_event(e) for e in group) + ".")
    if criteria.fields:
        lines.append("Only when " + "; ".join(r.label for r in criteria.fields) + ".")
    return lines
