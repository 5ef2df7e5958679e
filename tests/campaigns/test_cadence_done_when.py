"""Issue 5's cadence, end to end over real SMTP, IMAP and HTTP: the five steps run in business days in the
lead's window; a reply polled over IMAP stops it before the next email; an out-of-office handed in over
HTTP pauses it until the return date, then it resumes where it was (threaded follow-up and all)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from campaigns.inbound.polling import poll_mailbox
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from nurture.db.base import utcnow
from nurture.mail.inbound.mailbox import parse_mailbox_url
from nurture.models import LeadEvent, Role, Task
from tests.campaigns.cadence import FOOTER, WINDOW, enrolled, parsed, rep_with_mailbox
from tests.conftest import bearer
from tests.mail.inbound_fixtures import load

CADENCE = {
    "send_window": WINDOW,
    "steps": [
        {"id": "intro", "type": "email", "subject": "Hello {{ lead.first_name }}", "html": "<p>Hi</p>" + FOOTER},
        {"id": "ring", "type": "call", "title": "Call Sam"},
        {"id": "pause", "type": "wait", "amount": 2, "unit": "business_days"},
        {"id": "bump", "type": "email", "thread": True, "subject": "Following up", "html": "<p>Any news?</p>" + FOOTER},
        {"id": "connect", "type": "social", "network": "LinkedIn"},
        {"id": "breakup", "type": "email", "subject": "Closing the loop", "html": "<p>Bye</p>" + FOOTER},
    ],
}


def next_thursday_at_eight() -> datetime:
    """A Thursday morning after the real now: the HTTP API stamps what it does with the real time."""
    today = utcnow().date()
    thursday = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    return datetime(thursday.year, thursday.month, thursday.day, 8, 0, tzinfo=UTC)


def step_until(session, clock, tick, transport, until: datetime) -> None:
    """Run the scheduler, jumping the clock to each next due enrollment, up to ``until``."""
    for _ in range(60):
        tick(transport)
        due = session.scalar(select(Enrollment.next_run_at).where(Enrollment.state == EnrollmentState.ACTIVE))
        if due is None or due > until:
            clock.now = max(clock.now, until)
            tick(transport)
            return
        clock.now = max(clock.now, due)
    raise AssertionError("still running")


def out_of_office(sender: str, msgid: str, back: datetime) -> bytes:
    return (
        f"From: Sam <{sender}>\r\nTo: Rita <rita@sales.example>\r\nSubject: Automatic reply: Hello Sam\r\n"
        f"Date: {back:%a, %d %b %Y} 09:00:00 +0000\r\nMessage-ID: <ooo-{back:%Y%m%d}@mail.acme.com>\r\n"
        f"In-Reply-To: {msgid}\r\nReferences: {msgid}\r\nAuto-Submitted: auto-replied\r\n"
        f"Content-Type: text/plain; charset=us-ascii\r\nMIME-Version: 1.0\r\n\r\n"
        f"I am out of the office with limited access to email. I will be back on {back:%A %d %B %Y}.\r\n"
    ).encode()


def test_a_reply_over_imap_stops_the_cadence_before_its_next_email(
    session, clock, engine_settings, make_sequence, tick, smtp_sink, smtp_transport, imap_server, imap_folder
):
    rep = rep_with_mailbox(session)
    clock.now = next_thursday_at_eight()
    lead, enrollment = enrolled(session, make_sequence(CADENCE, kind="cadence"), rep, clock)
    step_until(session, clock, tick, smtp_transport, clock.now + timedelta(hours=4))
    [intro] = [parsed(r) for r in smtp_sink.received]
    assert intro["Subject"] == "Hello Sam" and intro["Date"] and clock.now.hour == 12
    assert session.scalar(select(Send.sent_at).where(Send.step_id == "intro")) == clock.now.replace(hour=9)

    # Friday: Sam answers; the mailbox poller fetches the reply from the IMAP server.
    clock.now += timedelta(days=1)
    imap_server.append(load("human_reply", msgid=intro["Message-ID"], sender="sam@acme.com"), imap_folder)
    result = poll_mailbox(session, engine_settings, parse_mailbox_url(imap_server.url(imap_folder)), clock=clock)
    assert result.fetched == 1
    session.refresh(enrollment)
    assert (enrollment.state, enrollment.exit_reason) == (EnrollmentState.EXITED, "Cadence stopped: replied (sam@acme.com)")

    step_until(session, clock, tick, smtp_transport, clock.now + timedelta(days=10))
    assert len(smtp_sink.received) == 1  # the threaded follow-up (due Monday) and the breakup never went
    [call] = session.scalars(select(Task).where(Task.lead_id == lead.id))
    session.refresh(call)  # the stop took the cadence's open call task with it: no scripted call to a lead who replied
    assert call.kind == "call" and call.completed_at is not None
    assert call.outcome == "cancelled: Cadence stopped: replied (sam@acme.com)"
    assert "Cadence stopped: replied (sam@acme.com)" in session.scalars(
        select(LeadEvent.reason).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "sequence_exited")).all()  # fmt: skip


def test_an_out_of_office_over_http_pauses_the_cadence_until_the_return_date_then_it_resumes(
    client, session, clock, make_sequence, make_account, tick, smtp_sink, smtp_transport
):
    rep = rep_with_mailbox(session)
    gateway = make_account(Role.ADMIN, "gateway@example.com")
    clock.now = next_thursday_at_eight()
    lead, enrollment = enrolled(session, make_sequence(CADENCE, kind="cadence"), rep, clock)
    step_until(session, clock, tick, smtp_transport, clock.now + timedelta(hours=2))
    [intro] = [parsed(r) for r in smtp_sink.received]

    back = clock.now + timedelta(days=8)  # the Friday of the next week
    answer = client.post("/api/v1/inbound", data=out_of_office("sam@acme.com", intro["Message-ID"], back),
                         headers={**bearer(gateway), "Content-Type": "message/rfc822"})  # fmt: skip
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    assert answer.json["kind"] == "out_of_office" and answer.json["return_on"] == back.date().isoformat()
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.PAUSED

    # Monday, when the follow-up was due, passes in silence; the cadence is still there, paused.
    returns = datetime(back.year, back.month, back.day, tzinfo=UTC)  # the pause ends as the return day starts
    step_until(session, clock, tick, smtp_transport, returns - timedelta(minutes=1))
    assert len(smtp_sink.received) == 1
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.PAUSED

    # From the return date on it runs again, in the lead's window, and finishes.
    step_until(session, clock, tick, smtp_transport, back + timedelta(days=21))
    intro_, bump, breakup = (parsed(r) for r in smtp_sink.received)
    assert bump["Subject"] == "Re: Hello Sam" and bump["In-Reply-To"] == intro["Message-ID"]
    assert breakup["Subject"] == "Closing the loop"
    sent = {s.step_id: s.sent_at for s in session.scalars(select(Send).where(Send.state == SendState.SENT))}
    assert sent["bump"] >= returns and sent["breakup"] >= sent["bump"]
    for moment in sent.values():
        assert moment.weekday() < 5 and 9 <= moment.hour < 17  # the lead's window: weekdays 09:00–17:00 (UTC here)
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.COMPLETED
    kinds = list(session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id)))
    assert kinds.index("cadence_paused") < kinds.index("cadence_resumed")
    assert [t.kind for t in session.scalars(select(Task).where(Task.lead_id == lead.id).order_by(Task.id))] == ["call", "social"]
