"""Sending the webhook outbox: claimed in batches, posted concurrently, outcomes recorded once.

pending ──2xx──► delivered
pending ──other status, timeout, refused──► pending again after 1 min, 5 min, 30 min, 2 h, 12 h ──► failed

A claim stamps a token and pushes ``next_attempt_at`` past the lease, so a
crashed worker's rows simply become due again; an outcome is written only by
the holder of the claim and only while the row is pending, so a success is
recorded at most once (a receiver may still see a retry of a delivery it
answered after our deadline: it dedupes on the event id).
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nurture.db.base import utcnow
from nurture.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from nurture.pagination import Page
from nurture.webhooks.http_post import HttpResult, post
from nurture.webhooks.signing import HEADER, signature_header

BACKOFF_SECONDS = (60, 300, 1800, 7200, 43200)  # after attempts 1-5; the 6th failure is final
TIMEOUT_SECONDS = 10.0  # per attempt, a hard deadline
BATCH_SIZE = 50
CONCURRENCY = 8
# Well above a batch's worst case (50 / 8 rounds of 10 s), far below the job timeout.
LEASE_SECONDS = 300.0
RESPONSE_CHARS = 1000
USER_AGENT = "Nurture-Webhooks/1"


@dataclass(frozen=True)
class DeliveryClaim:
    token: str
    delivery_ids: list[int]


def _due(now: datetime, limit: int):  # type: ignore[no-untyped-def]
    return (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        # An inactive endpoint's rows wait: they go out if it is switched back on.
        .where(WebhookDelivery.state == DeliveryState.PENDING, WebhookDelivery.next_attempt_at <= now, WebhookEndpoint.active)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )


def claim_deliveries(session: Session, now: datetime, limit: int = BATCH_SIZE, lease_seconds: float = LEASE_SECONDS) -> DeliveryClaim:
    """Claim up to ``limit`` due deliveries and commit (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    token = secrets.token_hex(8)
    values = {"next_attempt_at": now + timedelta(seconds=lease_seconds), "claim_token": token}
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(_due(now, limit).with_for_update(skip_locked=True, of=WebhookDelivery)))
        if ids:
            session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(**values))
    else:
        ids = list(session.scalars(
            update(WebhookDelivery).where(WebhookDelivery.id.in_(_due(now, limit).scalar_subquery()))
            .values(**values).returning(WebhookDelivery.id)
        ))  # fmt: skip
    session.commit()
    return DeliveryClaim(token, sorted(ids))


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    attempts: int
    url: str
    secret: str
    headers: dict[str, str]
    body: bytes


def _attempt(job: _Job, timeout: float) -> HttpResult:
    # Signed at send time with the real clock: receivers check the timestamp's age.
    headers = {**job.headers, HEADER: signature_header(job.secret, int(time.time()), job.body)}
    return post(job.url, job.body, headers, timeout)


def deliver_claimed(
    session: Session, claim: DeliveryClaim, *, clock: Callable[[], datetime] = utcnow, timeout: float = TIMEOUT_SECONDS
) -> Counter[str]:
    """Post every delivery of ``claim`` still ours; record each outcome as it arrives."""
    rows = session.execute(
        select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id.in_(claim.delivery_ids), WebhookDelivery.claim_token == claim.token,
               WebhookDelivery.state == DeliveryState.PENDING)
    ).all()  # fmt: skip
    jobs = [
        _Job(d.id, d.attempts, url, secret, {
            "Content-Type": "application/json", "User-Agent": USER_AGENT, "Nurture-Delivery": str(d.id),
            "Nurture-Event-Id": d.event_id, "Nurture-Event-Type": d.event_type, "Nurture-Attempt": str(d.attempts + 1),
        }, d.body.encode())
        for d, url, secret in rows
    ]  # fmt: skip
    session.commit()  # no transaction is held across the network
    results: Counter[str] = Counter({"not ours": len(claim.delivery_ids) - len(jobs)})
    if not jobs:
        return results
    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, len(jobs))) as pool:
        futures = {pool.submit(_attempt, job, timeout): job for job in jobs}
        for future in as_completed(futures):
            results[record_outcome(session, claim.token, futures[future], future.result(), clock())] += 1
            session.commit()
    return results


def record_outcome(session: Session, token: str, job: _Job, result: HttpResult, now: datetime) -> str:
    attempts = job.attempts + 1
    values: dict[str, object] = {
        "attempts": attempts, "claim_token": None, "response_code": result.status, "latency_ms": result.latency_ms,
        "response_body": result.body.replace("\x00", "\ufffd")[:RESPONSE_CHARS] or None, "last_attempt_at": now,
        "last_error": None if result.ok else (result.error or f"HTTP {result.status}"),
    }  # fmt: skip
    if result.ok:
        values.update(state=DeliveryState.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif attempts > len(BACKOFF_SECONDS):
        values.update(state=DeliveryState.FAILED, next_attempt_at=None)
    else:
        values.update(next_attempt_at=now + timedelta(seconds=BACKOFF_SECONDS[attempts - 1]))
    written = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == job.delivery_id, WebhookDelivery.claim_token == token,
               WebhookDelivery.state == DeliveryState.PENDING)
        .values(**values)
    )  # fmt: skip
    if (written.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return "lost claim"  # our lease ran out and another worker owns the row now
    return str(values.get("state", "retrying"))


def redeliver(session: Session, delivery: WebhookDelivery, now: datetime | None = None) -> WebhookDelivery:
    """Send an event again as a new delivery (same event id and body), due now; the old row stays in the log."""
    now = now or utcnow()
    again = WebhookDelivery(
        endpoint_id=delivery.endpoint_id, event_id=delivery.event_id, event_type=delivery.event_type, body=delivery.body,
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, created_at=now,
    )  # fmt: skip
    session.add(again)
    session.flush()
    return again


def delivery_log(session: Session, endpoint_id: int, page: int = 1, per_page: int = 50) -> Page[WebhookDelivery]:
    where = WebhookDelivery.endpoint_id == endpoint_id
    total = session.scalar(select(func.count()).select_from(WebhookDelivery).where(where)) or 0
    items = session.scalars(
        select(WebhookDelivery).where(where).order_by(WebhookDelivery.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total, page, per_page)
