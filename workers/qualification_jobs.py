"""Periodic qualification work: bad-timing leads resurface on their date."""

from __future__ import annotations

from redis import Redis

from campaigns.qualification import resurface_due
from nurture.config import Settings
from nurture.db.base import utcnow
from workers.context import job_session


def run_resurface(settings: Settings, _connection: Redis) -> int:
    with job_session() as session:
        return resurface_due(session, settings, utcnow())
