"""SMTP connections kept open across jobs in a worker process (a new connection per message halves throughput)."""

from __future__ import annotations

import atexit

from sqlalchemy.orm import Session

from campaigns.ratelimit import RateLimiter, RateLimits, Unlimited
from nurture.config import Settings
from nurture.mail.outbox import OutboxTransport
from nurture.mail.smtp import SmtpTransport
from nurture.mail.transport import Transport
from workers.connection import redis_connection
from workers.ratelimits import RedisRateLimiter

_pool: dict[str, SmtpTransport] = {}
_limiters: dict[tuple[str | None, str | None], RateLimiter] = {}


def transport_for_job(settings: Settings, session: Session) -> Transport:
    if not settings.smtp_url:
        return OutboxTransport(session)
    transport = _pool.get(settings.smtp_url)
    if transport is None:
        transport = _pool[settings.smtp_url] = SmtpTransport(settings.smtp_url, timeout=settings.smtp_timeout_seconds)
    return transport


@atexit.register
def close_all() -> None:
    for transport in _pool.values():
        transport.close()
    _pool.clear()


def rate_limiter(settings: Settings) -> RateLimiter:
    """The configured limits, shared by every worker through Redis; none configured, no Redis round trip."""
    key = (settings.rate_limit_per_second, settings.domain_rate_limits)
    if key not in _limiters:
        limits = RateLimits.parse(*key)
        _limiters[key] = RedisRateLimiter(redis_connection(settings), limits) if limits.active else Unlimited()
    return _limiters[key]
