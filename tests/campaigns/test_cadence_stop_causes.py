"""Every automatic stop of a cadence, through the real HTTP routes (and a real DSN): the reason is on the
enrollment and the lead's timeline. Out-of-office pauses instead, and the cadence resumes by itself."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.inbound.intake import ingest
from campaigns.models import EnrollmentState, Send
from nurture.models import LeadEvent
from tests.conftest import bearer
from tests.mail.inbound_fixtures import load
from tests.sales import sales_lead

STEPS = [
    {"id": "first", "type": "email", "subject": "Quick question", "html": "<p>Hi</p>"},
    {"id": "gap", "type": "wait", "amount": 2, "unit": "days"},
    {"id": "second", "type": "email", "subject": "Following up", "html": "<p>Again</p>"},
]


def kinds(session, lead_id: int, *wanted: str) -> list[tuple[str, str]]:
    query = select(LeadEvent.kind, LeadEvent.reason).where(LeadEvent.lead_id == lead_id, LeadEvent.kind.in_(wanted))
    return [tuple(row) for row in session.execute(query.order_by(LeadEvent.id))]


def test_meeting_opportunity_disqualification_unsubscribe_and_bounce_each_stop_the_cadence_with_their_reason(
    client, session, admin, clock, engine_settings, make_sequence, tick, smtp_transport, smtp_sink
):
    outreach = make_sequence({"steps": STEPS}, name="Outreach", kind="cadence")
    names = ("meet", "deal", "nope", "unsub", "gone")
    leads = {name: sales_lead(session, admin.user, f"{name}@acme-corp.com") for name in names}
    enrollments = {name: enroll(session, outreach, lead, now=clock(), by="test") for name, lead in leads.items()}
    session.commit()
    tick(smtp_transport)
    assert len(smtp_sink.received) == 5
    headers = bearer(admin)

    booked = client.post("/api/v1/events", headers=headers, json={"lead_id": leads["meet"].id, "type": "meeting_booked"})
    deal = client.post("/api/v1/opportunities", headers=headers, json={
        "name": "Acme deal", "amount": "100", "currency": "EUR", "close_date": "2027-01-31", "contact_lead_id": leads["deal"].id})  # fmt: skip
    nope = client.post(f"/api/v1/leads/{leads['nope'].id}/disqualify", headers=headers, json={"reason": "no_need"})
    assert (booked.status_code, deal.status_code, nope.status_code) == (201, 201, 200), (booked.json, deal.json, nope.json)
    unsubscribe = next(r for r in smtp_sink.received if r.rcpt_tos == ["unsub@acme-corp.com"]).message["List-Unsubscribe"]
    assert client.post(unsubscribe.strip("<>").removeprefix("http://nurture.test"), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    gone_send = session.scalar(select(Send).where(Send.enrollment_id == enrollments["gone"].id))
    ingest(session, engine_settings, load("postfix_user_unknown", rcpt="gone@acme-corp.com", msgid=gone_send.message_id, send_id=gone_send.id),
           source="test", now=clock())  # fmt: skip
    session.commit()

    expected = {
        "meet": "Cadence stopped: meeting booked (reported by admin@example.com)",
        "deal": "Cadence stopped: opportunity created ('Acme deal' by admin@example.com)",
        "nope": "Cadence stopped: disqualified (no need, by admin@example.com)",
        "unsub": "Unsubscribed",
    }
    for name, enrollment in enrollments.items():
        session.refresh(enrollment)
        assert enrollment.state == EnrollmentState.EXITED, name
        if name in expected:
            assert enrollment.exit_reason == expected[name]
        assert kinds(session, leads[name].id, "sequence_exited") == [("sequence_exited", enrollment.exit_reason)]
    assert enrollments["gone"].exit_reason.startswith("Hard bounce: 5.1.1")
    clock.advance(days=3)
    tick(smtp_transport)
    assert len(smtp_sink.received) == 5  # no follow-up to anyone


def test_out_of_office_pauses_the_cadence_until_the_return_date_and_later_steps_shift(
    session, admin, clock, engine_settings, make_sequence, tick, smtp_transport, smtp_sink
):
    outreach = make_sequence({"steps": STEPS}, name="Outreach", kind="cadence")
    nurture = make_sequence({"steps": STEPS}, name="Newsletter")  # not a cadence: an auto-reply changes nothing there
    lead = sales_lead(session, admin.user, "grace@acme-corp.com")
    cadence, other = enroll(session, outreach, lead, now=clock(), by="test"), enroll(session, nurture, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)  # Monday 23 Nov: both first emails; the follow-ups are due Wednesday 25th
    first = session.scalar(select(Send).where(Send.enrollment_id == cadence.id))

    clock.advance(days=1)  # Tuesday: "back on 7 December", one day of the wait served
    ingest(session, engine_settings, load("ooo_german", sender="grace@acme-corp.com", msgid=first.message_id), source="test", now=clock())
    session.commit()
    session.refresh(cadence)
    assert (cadence.state, cadence.paused_until) == (EnrollmentState.PAUSED, datetime(2026, 12, 7, tzinfo=UTC))
    session.refresh(other)
    assert other.state == EnrollmentState.ACTIVE

    clock.now = datetime(2026, 11, 26, tzinfo=UTC)
    tick(smtp_transport)
    assert [r.message["Subject"] for r in smtp_sink.received if r.rcpt_tos == [lead.email]].count("Following up") == 1  # nurture's only

    clock.now = datetime(2026, 12, 7, tzinfo=UTC)  # back: resumed by the scheduler's claim, one day of the wait left
    tick(smtp_transport)
    session.refresh(cadence)
    assert cadence.state == EnrollmentState.ACTIVE and cadence.paused_until is None
    assert len(smtp_sink.received) == 3
    clock.now = datetime(2026, 12, 8, 0, 1, tzinfo=UTC)
    tick(smtp_transport)
    assert len(smtp_sink.received) == 4 and smtp_sink.received[-1].message["Subject"] == "Following up"
    assert [k for k, _ in kinds(session, lead.id, "out_of_office", "cadence_paused", "cadence_resumed")] == [
        "out_of_office", "cadence_paused", "cadence_resumed"]  # fmt: skip
    assert kinds(session, lead.id, "cadence_paused")[0][1] == "Out of office until 2026-12-07: cadence paused until 2026-12-07 00:00 UTC"


def test_out_of_office_without_a_return_date_pauses_for_the_configured_days_and_a_reply_still_stops(
    session, admin, clock, engine_settings, make_sequence, tick, smtp_transport, smtp_sink
):
    outreach = make_sequence({"steps": STEPS}, name="Outreach", kind="cadence")
    lead = sales_lead(session, admin.user, "ida@acme-corp.com")
    cadence = enroll(session, outreach, lead, now=clock(), by="test")
    session.commit()
    raw = (b"From: ida@acme-corp.com\r\nTo: rep@nurture.test\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n"
           b"Message-ID: <away-1@acme-corp.com>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\nI am away with no access to email.\r\n")  # fmt: skip
    ingest(session, engine_settings.with_(ooo_pause_days=3), raw, source="test", now=clock())
    session.refresh(cadence)
    assert (cadence.state, cadence.paused_until) == (EnrollmentState.PAUSED, datetime(2026, 11, 26, tzinfo=UTC))
    assert "no return date: 3 days" in cadence.pause_reason

    ingest(session, engine_settings, load("human_reply", sender="ida@acme-corp.com"), source="test", now=clock())
    session.refresh(cadence)
    assert (cadence.state, cadence.exit_reason) == (EnrollmentState.EXITED, "Cadence stopped: replied (ida@acme-corp.com)")
