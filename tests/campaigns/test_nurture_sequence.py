"""A marketer's sequence, end to end with a driven clock and a real SMTP server.

email → wait 2 business days → branch(opened?) → email A / email B, sent only
Tuesday to Thursday 09:00–11:00 in each lead's own timezone.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from nurture.mail.tokens import TokenSigner
from nurture.models import EmailEvent

DEFINITION = {
    "send_window": {"days": ["tue", "wed", "thu"], "start": "09:00", "end": "11:00"},
    "steps": [
        {"id": "welcome", "type": "email", "subject": "Welcome {{ lead.first_name | default('there') }}",
         "html": "<p>Hello {{ lead.first_name | default('there') }}, read <a href='https://example.com/guide'>the guide</a>.</p>"},
        {"id": "pause", "type": "wait", "amount": 2, "unit": "business_days"},
        {"id": "opened", "type": "branch", "condition": {"type": "opened", "step": "welcome"}, "then": "engaged", "else": "nudge"},
        {"id": "engaged", "type": "email", "subject": "Next steps", "html": "<p>Since you read it…</p>", "next": "end"},
        {"id": "nudge", "type": "email", "subject": "Did you see this?", "html": "<p>In case you missed it…</p>"},
    ],
}  # fmt: skip

ZONES = {"ny@example.com": "America/New_York", "berlin@example.com": "Europe/Berlin", "tokyo@example.com": "Asia/Tokyo"}


def test_each_email_lands_in_the_window_in_each_leads_local_time(
    session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport, engine_settings
):
    sequence = make_sequence(DEFINITION)
    leads = {email: make_lead(email, first_name=email.split("@")[0].title(), timezone=tz) for email, tz in ZONES.items()}
    for lead in leads.values():
        enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()

    opened = False
    for _ in range(14 * 24 * 4):  # two weeks in 15-minute ticks
        tick(smtp_transport)
        if not opened:
            welcome_ny = session.scalar(select(Send).where(Send.lead_id == leads["ny@example.com"].id, Send.step_id == "welcome"))
            if welcome_ny is not None and welcome_ny.state == SendState.SENT:
                session.add(EmailEvent(send_id=welcome_ny.id, lead_id=welcome_ny.lead_id, kind="open", occurred_at=clock()))
                session.commit()
                opened = True
        clock.advance(minutes=15)

    sends = session.scalars(select(Send).order_by(Send.id)).all()
    assert len(sends) == 6 and all(s.state == SendState.SENT for s in sends)
    for send in sends:
        local = send.sent_at.astimezone(ZoneInfo(ZONES[send.rcpt_to]))
        assert local.isoweekday() in (2, 3, 4), (send.rcpt_to, local)
        assert 9 <= local.hour < 11, (send.rcpt_to, local)

    by_lead = {email: [s.step_id for s in sends if s.rcpt_to == email] for email in ZONES}
    assert by_lead == {"ny@example.com": ["welcome", "engaged"], "berlin@example.com": ["welcome", "nudge"], "tokyo@example.com": ["welcome", "nudge"]}
    for email in ZONES:  # the follow-up waits 2 business days, then for the next window
        first, second = (s.sent_at for s in sends if s.rcpt_to == email)
        assert second - first >= timedelta(days=2)

    received = smtp_sink.received
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(list(ZONES) * 2)
    assert len({r.message["Message-ID"] for r in received}) == 6
    enrollments = session.scalars(select(Enrollment)).all()
    assert {e.state for e in enrollments} == {EnrollmentState.COMPLETED}


def test_the_sent_message_is_complete_and_its_links_are_signed(
    session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport, engine_settings
):
    sequence = make_sequence({"steps": DEFINITION["steps"][:1]})
    lead = make_lead("ada@example.com", first_name="Ada")
    enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)

    (received,) = smtp_sink.received
    message = received.message
    send = session.scalar(select(Send))
    assert message["Subject"] == "Welcome Ada"
    assert message["Message-ID"] == send.message_id
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url.startswith(engine_settings.base_url + "/u/")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Hello Ada" in html and "Hello Ada" in text
    assert "Nurture Inc., 1 Test Street, Testville" in html and unsubscribe_url in html
    assert "https://example.com/guide" not in html  # rewritten to a signed click link
    signer = TokenSigner(engine_settings.secret_key)
    click_token = html.split(engine_settings.base_url + "/t/c/")[1].split('"')[0]
    target = signer.read_click(click_token)
    assert (target.send_id, target.url) == (send.id, "https://example.com/guide")
    for position in range(len(click_token)):  # any one character edited: nowhere
        for replacement in "AB":
            if click_token[position] != replacement:
                edited = click_token[:position] + replacement + click_token[position + 1 :]
                assert signer.read_click(edited) is None, position
    open_token = html.split(engine_settings.base_url + "/t/o/")[1].split('"')[0]
    assert signer.read_open(open_token) == send.id
    assert signer.read_click(open_token) is None  # one purpose's token is useless for another

