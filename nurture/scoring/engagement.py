"""Engagement score with decay by half-life, per-type caps and a total cap, correct whenever read.

Nothing is stored that goes stale: the score is computed from the events and
the time of reading, so a lead who stopped engaging cools down by itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from nurture.scoring.explain import Contribution, Explanation
from nurture.scoring.rules import ScoringRules


@dataclass(frozen=True)
class Engagement:
    kind: str
    occurred_at: datetime
    description: str = ""


def decayed(points: float, occurred_at: datetime, now: datetime, half_life_days: float) -> float:
    age_days = max(0.0, (now - occurred_at).total_seconds() / 86400)
    return points * 0.5 ** (age_days / half_life_days)


def engagement_score(events: list[Engagement], now: datetime, rules: ScoringRules) -> Explanation:
    explanation = Explanation()
    by_type: dict[str, float] = defaultdict(float)
    for event in sorted(events, key=lambda e: e.occurred_at):
        points = rules.points.get(event.kind, 0)
        if points == 0 or event.occurred_at > now:
            continue
        value = decayed(points, event.occurred_at, now, rules.half_life_days)
        by_type[event.kind] += value
        explanation.contributions.append(
            Contribution(event.kind, event.description or event.kind.replace("_", " "), points, value, event.occurred_at)
        )
    for kind, total in by_type.items():
        cap = rules.caps.get(kind)
        if cap is not None and total > cap:
            explanation.contributions.append(Contribution("cap", f"{kind.replace('_', ' ')} count for at most {cap}", 0, cap - total))
    total = sum(c.value_now for c in explanation.contributions)
    if total > rules.total_cap:
        explanation.contributions.append(Contribution("cap", f"engagement counts for at most {rules.total_cap}", 0, rules.total_cap - total))
    return explanation
