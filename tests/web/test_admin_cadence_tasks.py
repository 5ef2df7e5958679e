"""A rep works cadence tasks in the browser and the API: logs calls, edits and sends the manual email once, sets their mailbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns.claiming import claim_due
from campaigns.enrollments import enroll
from campaigns.execution import run_claim
from campaigns.models import Enrollment, Sequence
from campaigns.sequences import activate, create_sequence
from nurture.db.base import utcnow
from nurture.mail.smtp import SmtpTransport
from nurture.models import Mailbox, Role, Task, User
from nurture.users.mailbox import save_mailbox
from nurture.users.tokens import create_token
from tests.campaigns.cadence import FOOTER, parsed, text_part
from tests.conftest import bearer, login
from tests.sales import sales_lead
from tests.web.test_admin_today import csrf

STEPS = [
    {"id": "ring", "type": "call", "title": "Call Sam", "instructions": "Ask about the budget"},
    {"id": "mail", "type": "manual_email", "subject": "Hello {{ lead.first_name }}", "html": "<p>Dear {{ lead.first_name }}</p>" + FOOTER},
    {"id": "after", "type": "email", "wait_for_previous_task": True, "subject": "After", "html": "<p>x</p>" + FOOTER},
]


@pytest.fixture
def settings(settings, smtp_sink):
    return settings.with_(smtp_url=smtp_sink.url, sender_email="news@nurture.example")


@pytest.fixture
def rep(session, make_account):
    account = make_account(Role.REP, "rita@example.com")
    save_mailbox(session, account.user, {"from_name": "Rita Rep", "from_email": "rita@sales.example", "signature": "Rita"})
    session.commit()
    return account


def _tasks(session, settings, rep, steps=STEPS) -> dict[str, Task]:
    """The cadence run once for a lead of ``rep``: its tasks by step id."""
    sequence = create_sequence(session, {"name": "Outreach", "kind": "cadence", "definition": {"steps": steps}})
    activate(session, sequence, utcnow())
    lead = sales_lead(session, rep.user)
    enroll(session, sequence, lead, now=utcnow(), by="test")
    session.commit()
    transport = SmtpTransport(settings.smtp_url, timeout=5)
    try:
        run_claim(session, settings, claim_due(session, utcnow(), 10, 300), transport)
    finally:
        transport.close()
    return {t.step_id: t for t in session.scalars(select(Task).where(Task.lead_id == lead.id))}


def test_from_today_the_rep_logs_the_call_then_edits_and_sends_the_draft_exactly_once(client, session, settings, rep, smtp_sink):
    tasks = _tasks(session, settings, rep)
    login(client, rep)
    today = client.get("/today/").get_data(as_text=True)
    assert f'href="/tasks/{tasks["mail"].id}"' in today and "Edit and send" in today

    page = client.get(f"/tasks/{tasks['ring'].id}").get_data(as_text=True)
    assert "Ask about the budget" in page and "sam@acme.com" in page
    refused = client.post(f"/tasks/{tasks['ring'].id}/complete", data={"csrf_token": csrf(page), "outcome": "maybe"})
    assert refused.status_code == 422 and "One of connected" in refused.get_data(as_text=True)
    done = client.post(f"/tasks/{tasks['ring'].id}/complete",
                       data={"csrf_token": csrf(page), "outcome": "voicemail", "notes": "Left a message"})  # fmt: skip
    assert done.status_code == 302
    session.refresh(tasks["ring"])
    assert (tasks["ring"].outcome, tasks["ring"].notes) == ("voicemail", "Left a message")

    page = client.get(f"/tasks/{tasks['mail'].id}").get_data(as_text=True)
    assert "Hello Sam" in page and "Dear Sam" in page
    form = {"csrf_token": csrf(page), "op": "send", "subject": "Numbers for Sam", "text": "Sam,\r\nhere they are.\r\n", "html": ""}
    assert client.post(f"/tasks/{tasks['mail'].id}/draft", data={**form, "csrf_token": "forged"}).status_code == 400
    assert smtp_sink.received == []
    first = client.post(f"/tasks/{tasks['mail'].id}/draft", data=form, follow_redirects=True)
    second = client.post(f"/tasks/{tasks['mail'].id}/draft", data=form, follow_redirects=True)  # a double click
    assert "Sent." in first.get_data(as_text=True) and "already done" in second.get_data(as_text=True)
    assert len(smtp_sink.received) == 1
    message = parsed(smtp_sink.received[0])
    assert message["Subject"] == "Numbers for Sam" and text_part(message) == "Sam,\nhere they are.\n"
    assert "Sam,<br>\nhere they are." in message.get_body(preferencelist=("html",)).get_content()  # no empty HTML part
    assert message["From"] == "Rita Rep <rita@sales.example>"
    enrollment = session.scalar(select(Enrollment))
    session.refresh(enrollment)
    assert enrollment.next_run_at <= utcnow()  # the step waiting for the email is due at once


def test_the_api_lists_the_draft_and_sends_it_once_for_its_owner_only(client, session, settings, rep, smtp_sink):
    tasks = _tasks(session, settings, rep)
    listed = client.get("/api/v1/tasks", headers=bearer(rep)).get_json()["data"]
    draft = next(t for t in listed if t["step_id"] == "mail")["draft"]
    assert draft["subject"] == "Hello Sam" and draft["text"].endswith("Rita")
    other = User(email="other@example.com", role=Role.REP, password_hash="!")  # API only: no password to hash
    session.add(other)
    session.flush()
    other_token = {"Authorization": f"Bearer {create_token(session, other)}"}
    session.commit()
    url = f"/api/v1/tasks/{tasks['mail'].id}/send"
    assert client.post(url, json={}, headers=other_token).status_code == 403
    assert client.post(url, json={"subject": ""}, headers=bearer(rep)).get_json() == {
        "errors": {"subject": "A subject of 1 to 998 characters on one line"}}
    sent = client.post(url, json={"text": "Edited by API"}, headers=bearer(rep))
    assert sent.status_code == 200 and sent.get_json()["outcome"] == "sent"
    again = client.post(url, json={}, headers=bearer(rep))
    assert again.status_code == 409 and len(smtp_sink.received) == 1
    assert text_part(parsed(smtp_sink.received[0])) == "Edited by API"


def test_a_rep_edits_their_own_mailbox_and_an_admin_anyones(app, client, session, rep, admin):
    login(client, rep)
    page = client.get("/mailbox/").get_data(as_text=True)
    assert 'value="rita@sales.example"' in page
    bad = client.post("/mailbox/", data={"csrf_token": csrf(page), "from_email": "nope", "daily_cap": "-1", "timezone": "Mars/Base"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Email address invalid" in body and "A whole number from 0 (no cap)" in body and "IANA timezone" in body
    good = client.post("/mailbox/", data={"csrf_token": csrf(page), "from_name": "Rita R.", "from_email": "rita@sales.example",
                                          "daily_cap": "40", "timezone": "Europe/Berlin", "signature": "R."})  # fmt: skip
    assert good.status_code == 302
    mailbox = session.scalar(select(Mailbox).where(Mailbox.user_id == rep.user.id))
    session.refresh(mailbox)
    assert (mailbox.from_name, mailbox.daily_cap, mailbox.timezone) == ("Rita R.", 40, "Europe/Berlin")
    assert client.get(f"/mailbox/{admin.user.id}").status_code == 403

    client = app.test_client()
    login(client, admin)
    assert f'href="/mailbox/{rep.user.id}"' in client.get("/users/").get_data(as_text=True)
    page = client.get(f"/mailbox/{rep.user.id}").get_data(as_text=True)
    saved = client.post(f"/mailbox/{rep.user.id}", data={"csrf_token": csrf(page), "from_email": "rita@new.example", "daily_cap": "5"})
    assert saved.status_code == 302
    session.refresh(mailbox)
    assert (mailbox.from_email, mailbox.daily_cap) == ("rita@new.example", 5)
    assert session.scalar(select(Sequence)) is None
