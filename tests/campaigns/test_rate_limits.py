"""Rate limits, global and per domain, shared through Redis: over the limit waits, never drops."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.claiming import claim_due
from campaigns.enrollments import enroll
from campaigns.execution import run_claim
from campaigns.models import Send, SendState
from campaigns.ratelimit import RateLimits
from workers.connection import redis_connection
from workers.ratelimits import RedisRateLimiter

ONE_EMAIL = {"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]}


def test_limits_parse_and_refuse_nonsense():
    limits = RateLimits.parse("50", "gmail.com=20, *=5")
    assert (limits.per_second, limits.for_domain("gmail.com"), limits.for_domain("other.org")) == (50, 20, 5)
    assert not RateLimits.parse(None, None).active
    with pytest.raises(ValueError):
        RateLimits.parse("10", "gmail.com=0")


def test_a_domain_limit_defers_the_excess_and_delivers_it_later(
    session, clock, make_lead, make_sequence, smtp_sink, smtp_transport, engine_settings, redis_client
):
    limiter = RedisRateLimiter(redis_connection(engine_settings), RateLimits.parse(None, "example.com=4"))
    sequence = make_sequence(ONE_EMAIL)
    for n in range(10):
        enroll(session, sequence, make_lead(f"r{n}@example.com"), now=clock(), by="test")
    enroll(session, sequence, make_lead("free@other.org"), now=clock(), by="test")
    session.commit()
    while int(time.time() + 0.2) != int(time.time()):  # start well inside a second
        time.sleep(0.05)

    run_claim(session, engine_settings, claim_due(session, clock(), 100, 300), smtp_transport, clock=clock, limiter=limiter)
    delivered = sorted(r.rcpt_tos[0] for r in smtp_sink.received)
    assert len(delivered) == 5 and "free@other.org" in delivered  # 4 to example.com, other domains unaffected
    # A message over the limit never had its transaction opened ahead (only closing would abort it): one connection.
    assert smtp_sink.handler.ehlos == 1
    assert len([s for s in session.scalars(select(Send)) if s.state == SendState.SENT]) == 5

    for _ in range(10):
        time.sleep(0.5)
        clock.advance(seconds=1)
        run_claim(session, engine_settings, claim_due(session, clock() + timedelta(seconds=1), 100, 300), smtp_transport, clock=clock, limiter=limiter)
        if len(smtp_sink.received) == 11:
            break
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.received) == sorted([f"r{n}@example.com" for n in range(10)] + ["free@other.org"])
    assert {s.state for s in session.scalars(select(Send))} == {SendState.SENT}
