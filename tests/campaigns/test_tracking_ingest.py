"""Opens and clicks go through a Redis stream: answered at once, written in batches, never lost, never twice,
and written directly when Redis is gone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from campaigns.models import Send
from campaigns.tracked_events import GROUP, STREAM, TrackedEvent
from campaigns.tracking import record_engagements
from nurture.db.base import utcnow
from nurture.mail.tokens import TokenSigner
from nurture.models import EmailEvent
from nurture.web.app import create_app
from tests.campaigns.sent_messages import sent_message
from workers.ingest import EventIngest, pending

HUMAN = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def _sent(session, make_lead, make_sequence, clock) -> Send:
    sequence = make_sequence({"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]})
    lead = make_lead("reader@example.com")
    send = sent_message(session, sequence, lead, utcnow() - timedelta(hours=1))
    session.commit()
    return send


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(EmailEvent)) or 0


def _clicks(client, settings, send: Send, n: int) -> None:
    token = TokenSigner(settings.secret_key).click_token(send.id, "https://example.com/guide")
    for _ in range(n):
        assert client.get(f"/t/c/{token}", headers={"User-Agent": HUMAN}).status_code == 302


def test_a_consumer_killed_before_its_commit_loses_nothing(client, session, settings, redis_client, make_lead, make_sequence, clock):
    send = _sent(session, make_lead, make_sequence, clock)
    _clicks(client, settings, send, 5)
    dead = EventIngest("dead", batch=3)
    assert len(dead.read(redis_client)) == 3  # read, then killed: nothing written, nothing acknowledged
    assert _count(session) == 0 and pending(redis_client) == 5

    successor = EventIngest("successor", claim_idle_ms=0)
    assert successor.drain(session, redis_client) == 5  # the dead one's three are claimed, with the two never read
    assert _count(session) == 5 and pending(redis_client) == 0
    assert redis_client.xpending(STREAM, GROUP)["pending"] == 0


def test_a_consumer_killed_after_its_commit_writes_nothing_twice(client, session, settings, redis_client, make_lead, make_sequence, clock):
    send = _sent(session, make_lead, make_sequence, clock)
    _clicks(client, settings, send, 4)
    dead = EventIngest("dead")
    entries = dead.read(redis_client)
    dead.write(session, entries)  # committed, then killed before XACK
    assert _count(session) == 4 and pending(redis_client) == 4

    assert EventIngest("patient", claim_idle_ms=60_000).drain(session, redis_client) == 0  # not idle long enough yet
    assert EventIngest("successor", claim_idle_ms=0).drain(session, redis_client) == 4  # redelivered…
    assert _count(session) == 4 and pending(redis_client) == 0  # …and skipped by stream id
    assert len(set(session.scalars(select(EmailEvent.stream_id)))) == 4


def test_a_flushed_redis_gets_its_group_back(client, session, settings, redis_client, make_lead, make_sequence, clock):
    send = _sent(session, make_lead, make_sequence, clock)
    consumer = EventIngest("one")
    assert consumer.drain(session, redis_client) == 0
    redis_client.flushdb()
    _clicks(client, settings, send, 2)
    consumer.drain(session, redis_client)  # notices the group is gone…
    assert consumer.drain(session, redis_client) == 2  # …creates it from the start of the stream, misses nothing
    assert _count(session) == 2


def test_without_redis_the_click_is_written_at_once(session, session_factory, settings, make_lead, make_sequence, clock):
    send = _sent(session, make_lead, make_sequence, clock)
    gone = settings.with_(redis_url="redis://127.0.0.1:9/0")  # nothing listens there
    client = create_app(gone, session_factory=session_factory, test_config={"TESTING": True}).test_client()
    _clicks(client, settings, send, 2)
    token = TokenSigner(settings.secret_key).open_token(send.id)
    assert client.get(f"/t/o/{token}", headers={"User-Agent": HUMAN}).status_code == 200
    assert sorted(session.scalars(select(EmailEvent.kind))) == ["click", "click", "open"]


def test_bursts_are_found_across_batches_and_a_slow_reader_is_a_person(session, make_lead, make_sequence, clock):
    send = _sent(session, make_lead, make_sequence, clock)
    start = utcnow()

    def click(url: str, seconds: float, agent: str = HUMAN) -> TrackedEvent:
        return TrackedEvent(send.id, "click", start + timedelta(seconds=seconds), f"https://example.com/{url}", agent)

    record_engagements(session, [click("a", 0), click("b", 1)])
    session.commit()
    record_engagements(session, [click("c", 2), click("a", 30, "Other agent"), click("b", 40), click("c", 50), click("d", 60)])
    session.commit()
    rows = session.execute(select(EmailEvent.url, EmailEvent.occurred_at, EmailEvent.machine_reason).order_by(EmailEvent.occurred_at)).all()
    assert [(r.url[-1], r.machine_reason) for r in rows] == [
        ("a", "every link clicked at once"), ("b", "every link clicked at once"), ("c", "every link clicked at once"),
        ("a", None), ("b", None), ("c", None), ("d", None),
    ]  # fmt: skip


def test_the_public_rate_limit_is_counted_in_the_same_round_trip(session, session_factory, settings, redis_client, make_lead, make_sequence, clock):
    send = _sent(session, make_lead, make_sequence, clock)
    strict = create_app(settings.with_(public_rate_limit="3 per minute"), session_factory=session_factory, test_config={"TESTING": True})
    token = TokenSigner(settings.secret_key).click_token(send.id, "https://example.com/guide")
    answers = [strict.test_client().get(f"/t/c/{token}", headers={"User-Agent": HUMAN}).status_code for _ in range(5)]
    assert answers == [302, 302, 302, 429, 429]
    assert pending(redis_client) == 3  # the refused ones appended nothing
