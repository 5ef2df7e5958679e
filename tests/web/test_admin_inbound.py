"""Admin → Inbound: what came back, what it matched and what was done; the raw message shown escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from campaigns.inbound.intake import ingest
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import Role
from tests.conftest import login
from tests.mail.inbound_fixtures import load


def test_marketers_see_what_came_back_and_what_was_done(client, session, settings, make_account):
    lead = create_lead(session, validate_lead_input({"email": "ada@example.org"}), reason="test")
    session.commit()
    now = datetime.now(UTC)
    reply = ingest(session, settings, load("human_reply", sender="ada@example.org").replace(
        b"Thanks, this looks", b"<script>alert(1)</script> Thanks, this looks"), source="test", now=now)  # fmt: skip
    ingest(session, settings, load("postfix_user_unknown", rcpt="gone@example.org"), source="test", now=now)

    login(client, make_account(Role.MARKETER))
    listing = client.get("/inbound/").get_data(as_text=True)
    assert "Human reply" in listing and "Hard bounce" in listing and "gone@example.org" in listing
    assert f"/leads/{lead.id}" in listing
    only_bounces = client.get("/inbound/?kind=hard_bounce").get_data(as_text=True)
    assert "gone@example.org" in only_bounces and "Re: Welcome to Nurture" not in only_bounces

    page = client.get(f"/inbound/{reply.inbound.id}").get_data(as_text=True)
    assert "In reply to" not in page and "Sender" in page  # matched by the sender's address
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert f"lead {lead.id}: reply recorded" in page
    assert client.get("/inbound/999999").status_code == 404


def test_reps_may_not_see_inbound_mail(client, make_account):
    login(client, make_account(Role.REP))
    assert client.get("/inbound/").status_code == 403
