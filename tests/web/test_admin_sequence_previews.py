"""A marketer sees a sequence email exactly as one real lead gets it, and sends it to herself as a test."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from campaigns.models import Send
from nurture.models import EmailEvent, LeadEvent, OutboxMessage, Role
from nurture.web.app import create_app
from tests.conftest import login
from tests.web.sequence_pages import count, make_lead, make_sequence


@pytest.fixture
def marketer(make_account):
    return make_account(Role.MARKETER, "marketer@example.com")


@pytest.fixture
def grace(session):
    return make_lead(session, "grace@example.com", first_name="Grace", last_name="Hopper")


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_preview_is_the_email_rendered_for_the_chosen_lead(client, session, marketer, grace):
    make_lead(session, "gracie@example.org", first_name="Gracie")
    sequence = make_sequence(session)
    login(client, marketer)
    url = f"/sequences/{sequence.id}/preview"

    found = client.get(url, query_string={"q": "grac"}).get_data(as_text=True)
    assert "grace@example.com" in found and "gracie@example.org" in found  # a search, then a pick
    assert "As Grace Hopper gets it" not in found

    response = client.get(url, query_string={"q": "Grace@Example.com"})  # an exact address picks the lead at once
    page = response.get_data(as_text=True)
    assert "As Grace Hopper gets it" in page
    assert '<dd class="wrap" id="preview-subject">Welcome Grace</dd>' in page
    iframe = re.search(r"<iframe[^>]*>", page).group(0)
    assert " sandbox " in iframe and "allow-" not in iframe
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', iframe).group(1))
    assert "Hello Grace, here is" in srcdoc and 'href="https://example.com/guide"' in srcdoc
    assert "/u/test-send" in srcdoc and "Set NURTURE_POSTAL_ADDRESS" in srcdoc  # the layout's footer, as sent
    text = html.unescape(page.split('<pre class="mail-text">')[1].split("</pre>")[0])
    assert "Hello Grace, here is" in text
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]

    other = client.get(url, query_string={"step": "nudge", "lead_id": grace.id}).get_data(as_text=True)
    assert '<dd class="wrap" id="preview-subject">Did you see this?</dd>' in other
    assert count(session, Send) == 0 and count(session, OutboxMessage) == 0


def test_a_test_send_goes_to_the_outbox_for_me_and_nothing_is_recorded_for_the_lead(client, session, marketer, grace):
    sequence = make_sequence(session)
    events_before = count(session, LeadEvent)
    login(client, marketer)
    page = client.get(f"/sequences/{sequence.id}/preview", query_string={"lead_id": grace.id}).get_data(as_text=True)
    response = client.post(
        f"/sequences/{sequence.id}/test-send",
        data={"csrf_token": csrf(page), "step": "welcome", "variant": "a", "lead_id": str(grace.id)},
    )
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Test sent to marketer@example.com, rendered for grace@example.com." in shown

    kept = session.scalar(select(OutboxMessage))
    assert (kept.rcpt_to, kept.subject) == ("marketer@example.com", "[Test] Welcome Grace")
    assert b"Hello Grace, here is" in kept.raw and b"/t/c/" not in kept.raw and b"/t/o/" not in kept.raw
    assert b"X-Nurture-Test: rendered for lead" in kept.raw
    # The ledger, the engagement events and the lead's timeline are untouched.
    assert count(session, Send) == 0 and count(session, EmailEvent) == 0
    assert count(session, LeadEvent) == events_before


def test_a_test_send_arrives_at_a_real_smtp_server(settings, session_factory, redis_client, session, marketer, grace, smtp_sink):
    app = create_app(settings.with_(smtp_url=smtp_sink.url), session_factory=session_factory, test_config={"TESTING": True})
    client = app.test_client()
    sequence = make_sequence(session)
    login(client, marketer)
    page = client.get(f"/sequences/{sequence.id}/preview", query_string={"lead_id": grace.id}).get_data(as_text=True)
    data = {"csrf_token": csrf(page), "step": "welcome", "lead_id": str(grace.id)}
    assert client.post(f"/sequences/{sequence.id}/test-send", data=data).status_code == 302

    (received,) = smtp_sink.received
    assert received.rcpt_tos == ["marketer@example.com"]
    assert received.message["Subject"] == "[Test] Welcome Grace"
    assert "Hello Grace, here is" in received.message.get_body(("html",)).get_content()
    assert "Hello Grace, here is" in received.message.get_body(("plain",)).get_content()
    assert count(session, Send) == 0 and count(session, OutboxMessage) == 0 and count(session, EmailEvent) == 0

    smtp_sink.handler.refuse["marketer@example.com"] = "550 5.1.1 No such user"
    refused = client.post(f"/sequences/{sequence.id}/test-send", data=data, follow_redirects=True).get_data(as_text=True)
    assert "The test could not be sent: 550 5.1.1 No such user" in refused
    assert len(smtp_sink.received) == 1 and count(session, Send) == 0
