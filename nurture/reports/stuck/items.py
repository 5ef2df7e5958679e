"""What a stuck-report category finds: one item per stuck lead or deal, and what the category is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class StuckContext:
    now: datetime
    sql_outcome_days: int  # an SQL this old without an opportunity or a disqualification is stuck
    limit: int = 500  # items per category, oldest first


@dataclass(frozen=True)
class StuckItem:
    category: str
    lead_id: int
    lead_email: str
    lead_name: str
    owner_user_id: int | None
    owner_email: str | None
    source: str
    campaign: str | None  # the lead's source_detail, as in the lead-quality report
    since: datetime  # when the lead (or deal) got stuck's clock started: handoff, entering SQL, close date
    detail: str
    opportunity_id: int | None = None
    # Categories that task the owner: the task's idempotency key (one task per situation) and title.
    task_key: str | None = None
    task_title: str | None = None

    def age_days(self, now: datetime) -> int:
        return max(0, (now - self.since).days)


@dataclass(frozen=True)
class Category:
    key: str
    title: str
    # One query, oldest first, at most context.limit items.
    find: Callable[[Session, StuckContext], list[StuckItem]]
    creates_tasks: bool = False


def lead_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)
