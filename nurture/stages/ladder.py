"""The ladder: every stage in order (retired ones too, so history keeps its names), read in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.handoff.thresholds import Thresholds
from nurture.models import OwnerTeam, Stage
from nurture.stages.criteria import Criteria, LeadFacts


@dataclass(frozen=True)
class StageView:
    key: str
    name: str
    definition: str
    owner_team: OwnerTeam
    position: int
    criteria: Criteria
    max_age_days: int | None
    retired_at: datetime | None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


@dataclass(frozen=True)
class Ladder:
    stages: tuple[StageView, ...]

    def rank(self, key: str) -> int:
        """The stage's place in the order; -1 for a key that is no stage."""
        return next((i for i, s in enumerate(self.stages) if s.key == key), -1)

    def get(self, key: str) -> StageView | None:
        return next((s for s in self.stages if s.key == key), None)

    def name(self, key: str) -> str:
        stage = self.get(key)
        return stage.name if stage else key.replace("_", " ").capitalize()

    @property
    def active(self) -> list[StageView]:
        return [s for s in self.stages if not s.retired]

    @property
    def needs_signals(self) -> bool:
        return any(s.criteria.signals for s in self.active)

    def earlier(self, key: str) -> list[str]:
        """Every stage before ``key``: the ones a lead may move from into it."""
        return [s.key for s in self.stages[: max(0, self.rank(key))]]

    def furthest_met(self, current: str, facts: LeadFacts, policy: Thresholds) -> tuple[StageView, str] | None:
        """The furthest active stage after ``current`` whose entry criteria the lead meets, and why."""
        here = self.rank(current)
        for stage in reversed(self.active):
            if self.rank(stage.key) <= here:
                return None
            why = stage.criteria.met_by(facts, policy)
            if why:
                return stage, why
        return None


def view(stage: Stage) -> StageView:
    return StageView(stage.key, stage.name, stage.definition, OwnerTeam(stage.owner_team), stage.position,
                     Criteria.from_dict(stage.criteria or {}), stage.max_age_days, stage.retired_at)  # fmt: skip


def load_ladder(session: Session) -> Ladder:
    return Ladder(tuple(view(s) for s in session.scalars(select(Stage).order_by(Stage.position, Stage.id))))
