"""A rep's day: their open tasks due by the end of today or overdue, with each lead's context and score.

A fixed number of queries whatever the number of tasks: one for a page of tasks (and a count when there are more) with
their leads and score snapshots (ties on due time go to the hotter lead, by the
snapshot's decay-invariant ``heat``), three for the page's score inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.models import Lead, LeadScoreSnapshot, Task
from nurture.pagination import Page
from nurture.scoring.explain import Contribution
from nurture.scoring.lead_score import LeadScore, score_from, score_inputs_of
from nurture.scoring.rules import ScoringRules

TOP_CONTRIBUTIONS = 3
PER_PAGE = 50


@dataclass(frozen=True)
class TodayTask:
    task: Task
    lead: Lead
    score: LeadScore
    overdue: bool

    @property
    def top_contributions(self) -> list[Contribution]:
        """What moves this lead's score most, in either direction (as the handoff email explains it)."""
        every = self.score.engagement.contributions + self.score.fit.contributions
        return sorted(every, key=lambda c: -abs(c.value_now))[:TOP_CONTRIBUTIONS]


def end_of_day(now: datetime) -> datetime:
    """Midnight after ``now`` in the rep's day: users have no time zone yet, so UTC."""
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), tzinfo=UTC)


def today_tasks(
    session: Session, owner_user_id: int, now: datetime, rules: ScoringRules, page: int = 1, per_page: int = PER_PAGE
) -> Page[TodayTask]:
    """One page of the day's tasks: a rep back from leave with hundreds overdue still gets the page at once."""
    due = (Task.owner_user_id == owner_user_id, Task.completed_at.is_(None), Task.due_at < end_of_day(now))
    rows = session.execute(
        select(Task, Lead).join(Lead, Lead.id == Task.lead_id)
        .outerjoin(LeadScoreSnapshot, LeadScoreSnapshot.lead_id == Task.lead_id)
        .where(*due)
        .order_by(Task.due_at, LeadScoreSnapshot.heat.desc().nulls_last(), Task.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()  # fmt: skip
    inputs = score_inputs_of(session, list({lead.id: lead for _, lead in rows}.values()))
    scores = {lead_id: score_from(lead_inputs, rules, now) for lead_id, lead_inputs in inputs.items()}
    items = [TodayTask(task, lead, scores[lead.id], task.due_at < now) for task, lead in rows]
    whole = page == 1 and len(items) < per_page  # the usual day: no count needed
    total = len(items) if whole else session.scalar(select(func.count()).select_from(Task).where(*due)) or 0
    return Page(items, total, page, per_page)
