"""Recording an open or click without making the person wait: one XADD to a Redis stream.

The ingest consumer (workers/ingest.py) writes the stream to the database in
batches. The database is the truth: when Redis cannot take the event, it is
inserted directly, and Redis is left alone for a moment so a dead server does
not cost every request a timeout.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app
from redis import Redis, RedisError

from campaigns.tracked_events import STREAM, TrackedEvent
from campaigns.tracking import record_engagements
from nurture.web.db import db

log = logging.getLogger("nurture.tracking")
BACK_OFF_SECONDS = 2.0
TIMEOUT_SECONDS = 0.5


class EventRecorder:
    def __init__(self, redis_url: str | None):
        self.redis = Redis.from_url(redis_url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS) if redis_url else None
        self.down_until = 0.0

    def append(self, event: TrackedEvent) -> bool:
        """True when the stream took it (one round trip), False when it must be written directly."""
        if self.redis is None or time.monotonic() < self.down_until:
            return False
        try:
            self.redis.xadd(STREAM, event.to_fields())  # type: ignore[arg-type]
            return True
        except RedisError as exc:
            self.down_until = time.monotonic() + BACK_OFF_SECONDS
            log.warning("tracking stream unavailable (%s); recording directly for %.0f s", exc, BACK_OFF_SECONDS)
            return False


def record(event: TrackedEvent) -> None:
    if current_app.extensions["nurture.event_recorder"].append(event):
        return
    session = db()
    if record_engagements(session, [event]):
        session.commit()


def init_app(app: Flask, redis_url: str | None) -> None:
    app.extensions["nurture.event_recorder"] = EventRecorder(redis_url)
