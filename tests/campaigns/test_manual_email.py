"""A manual email step gives the rep a draft rendered for the lead; it is sent exactly as edited, once."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.manual_email import send_manual_email
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from nurture.models import LeadEvent, Task
from tests.campaigns.cadence import FOOTER, enrolled, parsed, rep_with_mailbox, run_until_idle, text_part

CADENCE = {
    "steps": [
        {"id": "intro", "type": "email", "subject": "Hello {{ lead.first_name }}", "html": "<p>Hi</p>" + FOOTER},
        {"id": "personal", "type": "manual_email", "thread": True, "title": "Write to {{ lead.first_name }}",
         "subject": "Ignored when threaded", "html": "<p>Dear {{ lead.first_name }},</p>" + FOOTER,
         "text": "Dear {{ lead.first_name }},\n\n{{ postal_address }} {{ unsubscribe_url }}"},
        {"id": "after", "type": "email", "wait_for_previous_task": True, "subject": "After", "html": "<p>x</p>" + FOOTER},
    ]
}  # fmt: skip
EDITED_TEXT = "Hi Sam,\n\nas promised:  the numbers.\nÜbrigens — see you Tuesday!\n\nRita\n"


def test_the_draft_is_rendered_for_the_lead_then_sent_exactly_as_edited_and_only_once(
    session, clock, make_sequence, tick, smtp_sink, smtp_transport, engine_settings
):
    rep = rep_with_mailbox(session)
    sequence = make_sequence(CADENCE, kind="cadence")
    lead, enrollment = enrolled(session, sequence, rep, clock)
    tick(smtp_transport)
    task = session.scalar(select(Task).where(Task.enrollment_id == enrollment.id))
    assert task.kind == "email" and task.owner_user_id == rep.id
    assert task.draft_subject == "Re: Hello Sam"
    assert task.draft_text.startswith("Dear Sam,") and task.draft_text.endswith("Rita Rep\nAccount Executive")
    assert "Dear Sam" in task.draft_html
    assert len(smtp_sink.received) == 1  # only the automated intro; the next step waits for the rep

    clock.advance(minutes=5)  # before the waiting step's own recheck
    edits = {"subject": "Re: Hello Sam — the numbers", "text": EDITED_TEXT, "html": ""}
    result = send_manual_email(session, engine_settings, smtp_transport, task, edits, actor=rep, now=clock())
    assert result.sent, result.message
    received = smtp_sink.received[1]
    message, intro = parsed(received), parsed(smtp_sink.received[0])
    assert received.mail_from == "rita@sales.example" and message["From"] == "Rita Rep <rita@sales.example>"
    assert message["Subject"] == edits["subject"]
    assert text_part(message) == EDITED_TEXT
    assert message["In-Reply-To"] == intro["Message-ID"] and message["References"] == intro["Message-ID"]

    again = send_manual_email(session, engine_settings, smtp_transport, task, {}, actor=rep, now=clock())
    assert not again.sent and len(smtp_sink.received) == 2
    send = session.get(Send, task.send_id)
    session.refresh(send)
    assert send.state == SendState.SENT and send.subject == edits["subject"] and send.sender_email == "rita@sales.example"
    session.refresh(task)
    assert task.completed_at == clock() and task.outcome == "sent"
    sent_events = session.scalars(select(LeadEvent.reason).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "email_sent")).all()
    assert sent_events[-1] == "Sent 'Re: Hello Sam — the numbers' (manual email by rita@example.com)"

    session.refresh(enrollment)
    assert enrollment.next_run_at == clock()  # the step waiting for the email wakes at once
    run_until_idle(session, clock, tick, smtp_transport)
    assert [parsed(r)["Subject"] for r in smtp_sink.received][-1] == "After"
    assert session.scalar(select(Enrollment.state).where(Enrollment.id == enrollment.id)) == "completed"


def test_a_second_request_racing_the_first_finds_the_row_claimed(
    session, clock, make_sequence, tick, smtp_sink, smtp_transport, engine_settings
):
    """The ledger claim is the guard: a draft whose row is already sending is not sent again."""
    rep = rep_with_mailbox(session)
    sequence = make_sequence({"steps": CADENCE["steps"][1:2]}, kind="cadence")
    _lead, enrollment = enrolled(session, sequence, rep, clock)
    tick(smtp_transport)
    task = session.scalar(select(Task).where(Task.enrollment_id == enrollment.id))
    assert task.draft_subject == "Ignored when threaded"  # nothing to thread to yet: the step's own subject
    session.get(Send, task.send_id).state = SendState.SENDING  # another request claimed it a moment ago
    session.commit()
    result = send_manual_email(session, engine_settings, smtp_transport, task, {"text": "hello"}, actor=rep, now=clock())
    assert not result.sent and "already sending" in result.message
    assert smtp_sink.received == [] and task.completed_at is None
    assert session.scalar(select(Task.draft_text).where(Task.id == task.id)) == "hello"  # the edit is kept


def test_a_manual_email_that_ends_its_cadence_is_still_sent_by_the_rep(
    session, clock, make_sequence, tick, smtp_sink, smtp_transport, engine_settings
):
    """The cadence completes once its last step gave the rep the draft; the rep's send is a person's, not the cadence's."""
    rep = rep_with_mailbox(session)
    last = {"steps": [{"id": "write", "type": "manual_email", "subject": "Hello {{ lead.first_name }}",
                      "html": "<p>Hi</p>" + FOOTER}]}  # fmt: skip
    lead, enrollment = enrolled(session, make_sequence(last, kind="cadence"), rep, clock)
    tick(smtp_transport)
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.COMPLETED
    task = session.scalar(select(Task).where(Task.enrollment_id == enrollment.id))
    result = send_manual_email(session, engine_settings, smtp_transport, task, {"subject": "Hello Sam", "text": "Hi Sam"},
                               actor=rep, now=clock())  # fmt: skip
    assert result.sent, result.message
    assert [parsed(r)["Subject"] for r in smtp_sink.received] == ["Hello Sam"]
