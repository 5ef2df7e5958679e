"""The Redis connection for queues, from settings (never at import)."""

from __future__ import annotations

from redis import Redis

from nurture.config import Settings


def redis_connection(settings: Settings) -> Redis:
    if not settings.redis_url:
        raise RuntimeError("NURTURE_REDIS_URL is not set (nurture up starts an embedded Redis and sets it)")
    return Redis.from_url(settings.redis_url, socket_timeout=30, health_check_interval=30)
