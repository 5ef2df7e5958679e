"""Recording an open or click without making the person wait: one round trip to Redis.

One Lua script counts the client against the public rate limit and appends the
event to the stream (a Redis round trip costs more than the rest of the request
on a busy machine, so the limit and the append share one). The ingest consumer
(workers/ingest.py) writes the stream to the database in batches.

The database is the truth: when Redis cannot take the event it is inserted
directly (rate-limited in memory), and Redis is left alone for a moment so a
dead server does not cost every request a timeout.
"""

from __future__ import annotations

import enum
import logging
import time

from flask import Flask, abort, current_app, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis import Redis, RedisError

from campaigns.tracked_events import STREAM, TrackedEvent
from campaigns.tracking import record_engagements
from nurture.web.db import db

log = logging.getLogger("nurture.tracking")
BACK_OFF_SECONDS = 2.0
TIMEOUT_SECONDS = 0.5
LIMIT_PREFIX = "nurture:limit:tracking"

# KEYS: the client's counter for this window, the stream. ARGV: limit, window seconds, then field/value pairs.
LIMIT_AND_APPEND = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
"""


class Outcome(enum.Enum):
    APPENDED = "appended"
    LIMITED = "limited"
    UNAVAILABLE = "unavailable"


class EventRecorder:
    def __init__(self, redis_url: str | None, rate_limit: str):
        self.limit = parse(rate_limit)
        self.redis = Redis.from_url(redis_url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS) if redis_url else None
        self.script = self.redis.register_script(LIMIT_AND_APPEND) if self.redis is not None else None
        self.memory = FixedWindowRateLimiter(MemoryStorage())  # the limit while Redis is away
        self.down_until = 0.0

    def append(self, event: TrackedEvent, client: str) -> Outcome:
        if self.script is None or time.monotonic() < self.down_until:
            return Outcome.UNAVAILABLE
        window = self.limit.get_expiry()
        key = f"{LIMIT_PREFIX}:{client}:{int(time.time() // window)}"
        args: list[str | int] = [self.limit.amount, window]
        for name, value in event.to_fields().items():
            args += [name, value]
        try:
            return Outcome.APPENDED if self.script(keys=[key, STREAM], args=args) else Outcome.LIMITED
        except RedisError as exc:
            self.down_until = time.monotonic() + BACK_OFF_SECONDS
            log.warning("tracking stream unavailable (%s); recording directly for %.0f s", exc, BACK_OFF_SECONDS)
            return Outcome.UNAVAILABLE

    def allow_directly(self, client: str) -> bool:
        return self.memory.hit(self.limit, "tracking", client)


def record(event: TrackedEvent) -> None:
    """Append the event (or write it when Redis is away); 429 past the public rate limit."""
    recorder: EventRecorder = current_app.extensions["nurture.event_recorder"]
    client = request.remote_addr or "unknown"
    outcome = recorder.append(event, client)
    if outcome is Outcome.LIMITED or (outcome is Outcome.UNAVAILABLE and not recorder.allow_directly(client)):
        abort(429)
    if outcome is Outcome.UNAVAILABLE:
        session = db()
        if record_engagements(session, [event]):
            session.commit()


def init_app(app: Flask) -> None:
    settings = app.extensions["nurture.settings"]
    app.extensions["nurture.event_recorder"] = EventRecorder(settings.redis_url, settings.public_rate_limit)
