"""The scheduler's main periodic task: claim due enrollments in batches and enqueue one job per batch.

Redis only carries the batches: if it is flushed, the claims' leases expire and
the same enrollments are claimed again from the database (invariant 1).
"""

from __future__ import annotations

from redis import Redis

from campaigns.claiming import claim_due
from campaigns.entry import auto_enroll
from campaigns.handoff import after_handoff
from nurture.config import Settings
from nurture.db.base import utcnow
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.models import Lead
from workers.context import job_session
from workers.jobs import run_send_batch
from workers.queues import SEND, queue

MAX_BATCHES_PER_TICK = 50
JOB_TIMEOUT_SECONDS = 600  # far above SMTP socket timeouts, so a job never dies mid-conversation


def dispatch_due(settings: Settings, connection: Redis) -> int:
    """Claim and enqueue; returns the number of enrollments dispatched."""
    dispatched = 0
    send_queue = queue(SEND, connection)
    with job_session() as session:
        for batch in range(MAX_BATCHES_PER_TICK):
            # Pauses that ended are woken once a tick, with the first claim: each wake is an UPDATE
            # holding SQLite's writer lock that the workers' per-message claims wait for.
            claim = claim_due(session, utcnow(), settings.batch_size, settings.claim_lease_seconds, wake=batch == 0)
            if not claim.enrollment_ids:
                break
            send_queue.enqueue(
                run_send_batch,
                claim.enrollment_ids,
                claim.token,
                job_timeout=JOB_TIMEOUT_SECONDS,
                result_ttl=60,
                failure_ttl=7 * 24 * 3600,
            )
            dispatched += len(claim.enrollment_ids)
            if len(claim.enrollment_ids) < settings.batch_size:
                break
    return dispatched


def run_auto_enroll(_settings: Settings, _connection: Redis) -> int:
    """Entry rules: enroll leads created or changed since each sequence's checkpoint."""
    with job_session() as session:
        return auto_enroll(session, utcnow())


def run_evaluate_engagement(settings: Settings, _connection: Redis) -> int:
    """Score leads with new engagement; hand the sales-ready ones to a rep and end their nurture."""
    with job_session() as session:
        now = utcnow()
        promotions = evaluate_changed_leads(session, settings, now)
        for promotion in promotions:
            if promotion.task is not None:
                lead = session.get(Lead, promotion.task.lead_id)
                if lead is not None:
                    after_handoff(session, settings, lead, now)
        session.commit()
        return len(promotions)
