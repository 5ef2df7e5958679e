"""A Redis-backed rate limiter shared by all workers: fixed one-second windows, one round trip."""

from __future__ import annotations

import math

from redis import Redis

from campaigns.ratelimit import RateLimits

PREFIX = "nurture:rate"


class RedisRateLimiter:
    def __init__(self, connection: Redis, limits: RateLimits):
        self.connection = connection
        self.limits = limits

    def acquire(self, domain: str, now: float) -> float:
        second = int(now)
        checks: list[tuple[str, int]] = []
        if self.limits.per_second:
            checks.append((f"{PREFIX}:all:{second}", self.limits.per_second))
        domain_limit = self.limits.for_domain(domain)
        if domain_limit:
            checks.append((f"{PREFIX}:domain:{domain}:{second}", domain_limit))
        if not checks:
            return 0.0
        pipe = self.connection.pipeline()
        for key, _limit in checks:
            pipe.incr(key)
            pipe.expire(key, 5)
        counts = pipe.execute()[::2]
        if all(count <= limit for count, (_key, limit) in zip(counts, checks, strict=True)):
            return 0.0
        # Over: give the slot back so waiting messages do not starve the next window, and wait for it.
        pipe = self.connection.pipeline()
        for key, _limit in checks:
            pipe.decr(key)
        pipe.execute()
        return max(0.001, math.floor(now) + 1 - now)
