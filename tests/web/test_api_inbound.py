"""POST /api/v1/inbound: a mail gateway hands in raw replies and bounces; each is processed once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import InboundMessage, Role, Suppression
from tests.conftest import bearer
from tests.mail.inbound_fixtures import load


@pytest.fixture
def settings(settings):
    return settings.with_(inbound_max_bytes=300_000)  # small, so the 413 test sends little


def test_a_raw_bounce_is_processed_once(client, session, make_account):
    marketer = make_account(Role.MARKETER)
    raw = load("postfix_user_unknown", rcpt="gone@example.org")
    headers = {**bearer(marketer), "Content-Type": "message/rfc822"}

    first = client.post("/api/v1/inbound", data=raw, headers=headers)
    assert first.status_code == 201, first.json
    assert (first.json["kind"], first.json["address"], first.json["status"]) == ("hard_bounce", "gone@example.org", "5.1.1")
    assert first.json["duplicate"] is False and "suppressed gone@example.org" in first.json["actions"]

    again = client.post("/api/v1/inbound", data=raw, headers=headers)
    assert again.status_code == 200 and again.json["duplicate"] is True and again.json["id"] == first.json["id"]
    assert session.scalar(select(func.count(InboundMessage.id))) == 1
    assert session.scalars(select(Suppression.email)).all() == ["gone@example.org"]


def test_json_raw_is_accepted_and_a_reply_is_matched_by_sender(client, session, make_account):
    lead = create_lead(session, validate_lead_input({"email": "ada@example.org"}), reason="test")
    session.commit()
    raw = load("human_reply", sender="ada@example.org", msgid="<unrelated@example.com>").decode()
    response = client.post("/api/v1/inbound", json={"raw": raw}, headers=bearer(make_account(Role.ADMIN)))
    assert response.status_code == 201, response.json
    assert response.json["kind"] == "human_reply"
    assert response.json["matched"] == {"by": "sender", "send_id": None, "lead_id": lead.id}


def test_garbage_wrong_types_size_and_auth(client, session, app, make_account):
    marketer = make_account(Role.MARKETER)
    raw_headers = {**bearer(marketer), "Content-Type": "message/rfc822"}

    garbage = client.post("/api/v1/inbound", data=b"hello, this is not mail", headers=raw_headers)
    assert garbage.status_code == 422 and "raw" in garbage.json["errors"]
    empty_json = client.post("/api/v1/inbound", json={"raw": 12}, headers=bearer(marketer))
    assert empty_json.status_code == 422 and "raw" in empty_json.json["errors"]
    assert client.post("/api/v1/inbound", data="x", headers={**bearer(marketer), "Content-Type": "text/plain"}).status_code == 415

    limit = app.extensions["nurture.settings"].inbound_max_bytes
    huge = load("human_reply") + b"x" * limit
    too_big = client.post("/api/v1/inbound", data=huge, headers=raw_headers)
    assert too_big.status_code == 413 and "body" in too_big.json["errors"]

    assert client.post("/api/v1/inbound", data=load("human_reply"), headers={"Content-Type": "message/rfc822"}).status_code == 401
    rep = make_account(Role.REP)
    assert client.post("/api/v1/inbound", data=load("human_reply"), headers={**bearer(rep), "Content-Type": "message/rfc822"}).status_code == 403
    assert session.scalar(select(func.count(InboundMessage.id))) == 0


HOSTILE = [
    b"From: a@example.org\r\nSubject: hi\x00there\r\nMessage-ID: <nul@example.org>\r\n\r\nbody\x00 with NUL\r\n",
    b"From: \xff\xfe <b@example.org>\r\nSubject: \xe9t\xe9\r\n\r\nLatin-1 bytes\r\n",
    b"From: c@example.org\r\nContent-Type: text/plain; charset=\"x-no-such-charset\"\r\n\r\nhello\r\n",
    b"From: d@example.org\r\nMessage-ID: <" + b"x" * 400 + b"@example.org>\r\n\r\nlong id\r\n",
    b"From: Support <support@\r\nSubject: =?utf-8?q?broken=ZZ?=\r\n\r\nmalformed header\r\n",
    b"From: " + b"e" * 300 + b"@example.org\r\nSubject: " + b"s" * 2000 + b"\r\n\r\nlong\r\n",
    b"From: MAILER-DAEMON@example.org\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; \x00not an address\r\n"
    b"Action: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n",
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_messages_are_stored_never_a_500(client, session, make_account, raw):
    response = client.post("/api/v1/inbound", data=raw, headers={**bearer(make_account(Role.ADMIN)), "Content-Type": "message/rfc822"})
    assert response.status_code == 201, response.get_data(as_text=True)
    stored = session.get(InboundMessage, response.json["id"])
    assert stored.raw == raw and len(stored.message_id) <= 255 and "\x00" not in stored.subject + stored.address
    assert session.scalar(select(func.count(Suppression.id))) == 0  # no address in any of them failed
