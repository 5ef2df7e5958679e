"""Webhook delivery on the queues: the scheduler claims batches, a job posts one batch.

Redis only carries claimed ids: if it is flushed, the claims' leases expire and
the outbox rows are claimed again from the database.
"""

from __future__ import annotations

from redis import Redis

from nurture.config import Settings
from nurture.db.base import utcnow
from nurture.webhooks.deliveries import BATCH_SIZE, DeliveryClaim, claim_deliveries, deliver_claimed
from workers.context import job_session
from workers.queues import DEFAULT, queue

MAX_BATCHES_PER_TICK = 20
JOB_TIMEOUT_SECONDS = 600  # a batch takes at most ~70 s (50 posts, 8 at a time, 10 s deadline each)


def dispatch_webhooks(_settings: Settings, connection: Redis) -> int:
    """Claim due deliveries and enqueue one job per batch; returns the number dispatched."""
    dispatched = 0
    with job_session() as session:
        for _ in range(MAX_BATCHES_PER_TICK):
            claim = claim_deliveries(session, utcnow())
            if not claim.delivery_ids:
                break
            queue(DEFAULT, connection).enqueue(
                run_webhook_batch, claim.delivery_ids, claim.token,
                job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=60, failure_ttl=7 * 24 * 3600,
            )  # fmt: skip
            dispatched += len(claim.delivery_ids)
            if len(claim.delivery_ids) < BATCH_SIZE:
                break
    return dispatched


def run_webhook_batch(delivery_ids: list[int], claim_token: str) -> dict[str, int]:
    with job_session() as session:
        return dict(deliver_claimed(session, DeliveryClaim(claim_token, delivery_ids)))
