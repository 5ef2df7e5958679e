"""A sales cadence runs emails from the rep's mailbox, threads its follow-ups, and gives the rep tasks at business-day times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from campaigns.cadence_tasks import complete_and_wake
from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from nurture.mail.outbox import OutboxTransport
from nurture.models import LeadEvent, Task
from tests.campaigns.cadence import FOOTER, WINDOW, enrolled, parsed, rep_with_mailbox, run_until_idle
from tests.sales import sales_lead

FIVE_STEPS = {
    "send_window": WINDOW,
    "steps": [
        {"id": "intro", "type": "email", "subject": "Hello {{ lead.first_name }}", "html": "<p>Hi</p>" + FOOTER},
        {"id": "ring", "type": "call", "title": "Call Sam", "instructions": "Ask about the budget"},
        {"id": "pause", "type": "wait", "amount": 2, "unit": "business_days"},
        {"id": "bump", "type": "email", "thread": True, "subject": "Following up", "html": "<p>Any news?</p>" + FOOTER},
        {"id": "connect", "type": "social", "network": "LinkedIn", "instructions": "Send a connection request"},
        {"id": "breakup", "type": "email", "subject": "Closing the loop", "html": "<p>Bye</p>" + FOOTER},
    ],
}


def test_a_five_step_cadence_runs_in_business_days_from_the_reps_mailbox_with_a_threaded_follow_up(
    session, clock, make_sequence, tick, smtp_sink, smtp_transport
):
    rep = rep_with_mailbox(session)
    sequence = make_sequence(FIVE_STEPS, kind="cadence")
    clock.now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # a Thursday, before the window opens
    lead, enrollment = enrolled(session, sequence, rep, clock)
    run_until_idle(session, clock, tick, smtp_transport)

    intro, bump, breakup = (parsed(r) for r in smtp_sink.received)
    assert intro["From"] == "Rita Rep <rita@sales.example>" and intro["Reply-To"] == "rita.replies@sales.example"
    assert smtp_sink.received[0].mail_from == "rita@sales.example"
    assert intro["Subject"] == "Hello Sam" and intro["In-Reply-To"] is None
    assert bump["Subject"] == "Re: Hello Sam"
    assert bump["In-Reply-To"] == intro["Message-ID"] and bump["References"] == intro["Message-ID"]
    assert breakup["Subject"] == "Closing the loop" and breakup["In-Reply-To"] is None

    tasks = session.scalars(select(Task).where(Task.lead_id == lead.id).order_by(Task.id)).all()
    assert [(t.kind, t.title, t.owner_user_id, t.step_id) for t in tasks] == [
        ("call", "Call Sam", rep.id, "ring"), ("social", "LinkedIn touch", rep.id, "connect")]
    assert tasks[0].instructions == "Ask about the budget" and tasks[0].enrollment_id == enrollment.id
    thursday_nine = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    monday_nine = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # two business days after Thursday, over the weekend
    assert tasks[0].due_at == thursday_nine and tasks[1].due_at == monday_nine
    sends = {s.step_id: s for s in session.scalars(select(Send).where(Send.enrollment_id == enrollment.id))}
    assert sends["intro"].sent_at == thursday_nine and sends["bump"].sent_at == monday_nine
    assert {s.sender_email for s in sends.values()} == {"rita@sales.example"}
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.COMPLETED
    assert session.scalar(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "task_created")) is not None


def test_without_an_owner_the_enroller_gets_the_task_and_the_sequence_sender_sends(
    session, clock, make_sequence, tick, smtp_sink, smtp_transport
):
    enroller = rep_with_mailbox(session, "ed@example.com")
    sequence = make_sequence({"from_email": "team@example.com", "from_name": "Team", "steps": [
        {"id": "hi", "type": "email", "subject": "Hi", "html": "<p>Hi</p>" + FOOTER},
        {"id": "todo", "type": "task", "title": "Research the account"}]}, kind="cadence")  # fmt: skip
    lead = sales_lead(session, None, "nobody@acme.com")
    enroll(session, sequence, lead, now=clock(), by="API (ed@example.com)")
    session.commit()
    run_until_idle(session, clock, tick, smtp_transport)
    assert parsed(smtp_sink.received[0])["From"] == "Team <team@example.com>"
    assert session.scalar(select(Task.owner_user_id).where(Task.lead_id == lead.id)) == enroller.id


WAITING = {
    "steps": [
        {"id": "ring", "type": "call"},
        {"id": "after", "type": "email", "wait_for_previous_task": True, "subject": "After our call", "html": "<p>x</p>" + FOOTER},
    ]
}


def test_a_step_waits_for_the_previous_task_and_completing_it_wakes_the_cadence_at_once(
    session, clock, make_sequence, tick, smtp_sink, smtp_transport
):
    rep = rep_with_mailbox(session)
    sequence = make_sequence(WAITING, kind="cadence")
    lead, enrollment = enrolled(session, sequence, rep, clock)
    tick(smtp_transport)
    clock.advance(hours=3)
    tick(smtp_transport)
    assert smtp_sink.received == []  # the call is not logged yet
    task = session.scalar(select(Task).where(Task.enrollment_id == enrollment.id))
    session.refresh(enrollment)
    assert enrollment.current_step == "after" and enrollment.next_run_at > clock()

    clock.advance(minutes=1)
    complete_and_wake(session, task, {"outcome": "connected"}, actor=rep, now=clock())
    session.commit()
    session.refresh(enrollment)
    assert enrollment.next_run_at == clock()
    tick(smtp_transport)
    assert [parsed(r)["Subject"] for r in smtp_sink.received] == ["After our call"]


def test_without_the_option_a_task_does_not_block(session, clock, make_sequence, tick, smtp_sink, smtp_transport):
    rep = rep_with_mailbox(session)
    steps = [WAITING["steps"][0], {**WAITING["steps"][1], "wait_for_previous_task": False}]
    sequence = make_sequence({"steps": steps}, kind="cadence")
    enrolled(session, sequence, rep, clock)
    tick(smtp_transport)
    assert len(smtp_sink.received) == 1
    assert session.scalar(select(Task.completed_at)) is None


def test_a_mailbox_cap_holds_the_overflow_until_the_oldest_send_leaves_the_rolling_day(
    session, clock, make_sequence, tick, smtp_sink, smtp_transport
):
    rep = rep_with_mailbox(session, daily_cap="2")
    sequence = make_sequence({"steps": [{"id": "hi", "type": "email", "subject": "Hi", "html": "<p>Hi</p>" + FOOTER}]}, kind="cadence")
    earlier_lead, _ = enrolled(session, sequence, rep, clock, "first@acme.com")
    tick(smtp_transport)  # another worker's send, counted from the ledger
    clock.advance(hours=10)
    for email in ("a@acme.com", "b@acme.com"):
        enrolled(session, sequence, rep, clock, email)
    tick(smtp_transport)
    assert [r.rcpt_tos for r in smtp_sink.received] == [["first@acme.com"], ["a@acme.com"]]
    held = session.scalar(select(Send).where(Send.rcpt_to == "b@acme.com"))
    released = clock() - timedelta(hours=10) + timedelta(days=1)
    assert held.state == SendState.DEFERRED and held.next_attempt_at == released

    clock.now = released - timedelta(minutes=1)
    tick(smtp_transport)
    assert len(smtp_sink.received) == 2
    clock.now = released
    tick(smtp_transport)
    assert [r.rcpt_tos for r in smtp_sink.received][-1] == ["b@acme.com"]
    assert session.scalar(select(Send.state).where(Send.rcpt_to == "b@acme.com")) == SendState.SENT


def test_an_email_the_mailbox_cap_will_hold_is_not_opened_ahead(session, clock, make_sequence, tick, smtp_sink, smtp_transport):
    """Rita's second email waits for her cap (the first counts), Bob's goes: the held one's SMTP
    transaction never went ahead, so no connection was closed to abort it."""
    rita = rep_with_mailbox(session, daily_cap="1")
    bob = rep_with_mailbox(session, "bob@example.com", from_email="bob@sales.example")
    sequence = make_sequence({"steps": [{"id": "hi", "type": "email", "subject": "Hi", "html": "<p>Hi</p>" + FOOTER}]}, kind="cadence")
    for rep, email in ((rita, "a@acme.com"), (rita, "b@acme.com"), (bob, "c@acme.com")):
        enrolled(session, sequence, rep, clock, email)
    tick(smtp_transport)
    assert [r.rcpt_tos for r in smtp_sink.received] == [["a@acme.com"], ["c@acme.com"]]
    assert smtp_sink.handler.ehlos == 1


def test_the_send_window_can_follow_the_reps_timezone(session, clock, make_sequence, tick):
    rep = rep_with_mailbox(session, timezone="Asia/Tokyo")
    steps = [{"id": "hi", "type": "email", "subject": "Hi", "html": "<p>Hi</p>" + FOOTER}]
    window = {"start": "09:00", "end": "10:00"}
    by_rep = make_sequence({"send_window": window, "window_timezone": "rep", "steps": steps}, name="Rep", kind="cadence")
    by_lead = make_sequence({"send_window": window, "steps": steps}, name="Lead", kind="cadence")
    enrolled(session, by_rep, rep, clock, "rep@acme.com", timezone="Europe/Berlin")
    enrolled(session, by_lead, rep, clock, "lead@acme.com", timezone="Europe/Berlin")
    run_until_idle(session, clock, tick, OutboxTransport(session))
    sent = dict(session.execute(select(Send.rcpt_to, Send.sent_at)).all())
    assert sent["rep@acme.com"] == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    assert sent["lead@acme.com"] == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert session.scalar(select(Enrollment.state).where(Enrollment.sequence_id == by_rep.id)) == EnrollmentState.COMPLETED
