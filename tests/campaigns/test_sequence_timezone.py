"""A sequence's timezone is the fallback for leads without one; a lead's own timezone still wins."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from campaigns.definitions import parse_definition
from campaigns.enrollments import enroll
from campaigns.models import Send
from nurture.errors import ValidationError
from nurture.mail.outbox import OutboxTransport

DEFINITION = {
    "timezone": "Asia/Tokyo",
    "send_window": {"start": "09:00", "end": "10:00"},
    "steps": [{"id": "hello", "type": "email", "subject": "Hi", "html": "<p>Hi</p>"}],
}


def test_leads_without_a_timezone_get_the_sequence_s(session, clock, make_lead, make_sequence, tick):
    sequence = make_sequence(DEFINITION)
    for lead in (make_lead("nozone@example.com"), make_lead("berlin@example.com", timezone="Europe/Berlin")):
        enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    for _ in range(24 * 4):
        tick(OutboxTransport(session))
        clock.advance(minutes=15)
    sent = {s.rcpt_to: s.sent_at for s in session.scalars(select(Send))}
    assert sent["nozone@example.com"].astimezone(ZoneInfo("Asia/Tokyo")).hour == 9
    assert sent["berlin@example.com"].astimezone(ZoneInfo("Europe/Berlin")).hour == 9


def test_an_unknown_timezone_is_refused():
    with pytest.raises(ValidationError) as refused:
        parse_definition({**DEFINITION, "timezone": "Mars/Olympus"})
    assert refused.value.errors == {"timezone": "An IANA timezone such as Europe/Berlin or America/New_York"}
    assert parse_definition({**DEFINITION, "timezone": ""}).timezone is None
