"""An explained score: every contribution, with its points then and its value now, summing to the score."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Contribution:
    kind: str  # an engagement type, "fit", or "cap"
    description: str
    points: float  # as earned
    value_now: float  # after decay (or the cap's correction)
    occurred_at: datetime | None = None


@dataclass
class Explanation:
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def score(self) -> int:
        return round(sum(c.value_now for c in self.contributions))
