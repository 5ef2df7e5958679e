"""The stuck sweep: each stuck item of a tasking category gets one task for its owner, ever.

Run by the scheduler. A task's ``dedupe_key`` (unique) names the situation, so
a second sweep, or two at once, adds nothing: keys already taken are skipped
in one query, and a concurrent insert of the same key loses on the unique index.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nurture.models import LeadEvent, Task
from nurture.reports.stuck.categories import CATEGORIES
from nurture.reports.stuck.items import StuckContext, StuckItem

SWEEP_LIMIT = 5000  # items per category and sweep, oldest first; the next sweep takes the rest
KEY_BATCH = 500


def _untasked(session: Session, items: list[StuckItem]) -> list[StuckItem]:
    keyed = [item for item in items if item.task_key]
    taken: set[str] = set()
    for start in range(0, len(keyed), KEY_BATCH):
        keys = [item.task_key for item in keyed[start : start + KEY_BATCH]]
        taken.update(k for k in session.scalars(select(Task.dedupe_key).where(Task.dedupe_key.in_(keys))) if k)
    return [item for item in keyed if item.task_key not in taken]


def _create(session: Session, item: StuckItem, context: StuckContext) -> bool:
    task = Task(lead_id=item.lead_id, owner_user_id=item.owner_user_id, kind="task", title=(item.task_title or item.detail)[:300],
                due_at=context.now, created_at=context.now, dedupe_key=item.task_key, notes=item.detail)  # fmt: skip
    try:
        with session.begin_nested():
            session.add(task)
            session.flush()
    except IntegrityError:  # another sweep tasked it first
        return False
    reason = f"Stuck: {item.detail}; task for {item.owner_email or 'nobody (unassigned)'}"
    session.add(LeadEvent(lead_id=item.lead_id, kind="task_created", reason=reason[:500], created_at=context.now,
                          data={"task_id": task.id, "dedupe_key": item.task_key}))  # fmt: skip
    return True


def task_stuck_items(session: Session, context: StuckContext) -> int:
    """One sweep over every tasking category, committing per category; returns the tasks created."""
    created = 0
    sweep = StuckContext(context.now, context.sql_outcome_days, SWEEP_LIMIT)
    for category in CATEGORIES:
        if not category.creates_tasks:
            continue
        for item in _untasked(session, category.find(session, sweep)):
            created += _create(session, item, sweep)
        session.commit()
    return created
