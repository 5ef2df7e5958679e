"""Periodic handoff work run by the scheduler: escalating missed first-touch deadlines."""

from __future__ import annotations

from redis import Redis

from nurture.config import Settings
from nurture.db.base import utcnow
from nurture.handoff.escalation import escalate_breaches
from workers.context import job_session


def run_escalate_breaches(settings: Settings, _connection: Redis) -> int:
    """First touches past due: escalate each once (the sweep is an indexed query, so running often is cheap)."""
    with job_session() as session:
        return escalate_breaches(session, settings, utcnow())
