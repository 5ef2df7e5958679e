"""Periodic report work run by the scheduler: tasking the owners of stuck leads and deals."""

from __future__ import annotations

from redis import Redis

from nurture.config import Settings
from nurture.db.base import utcnow
from nurture.reports.stuck.items import StuckContext
from nurture.reports.stuck.tasks import task_stuck_items
from workers.context import job_session


def run_task_stuck_items(settings: Settings, _connection: Redis) -> int:
    """Overdue deals and SQLs without an outcome: one task each for the owner (the dedupe key makes reruns harmless)."""
    with job_session() as session:
        return task_stuck_items(session, StuckContext(utcnow(), settings.stuck_sql_days))
