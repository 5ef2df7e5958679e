"""Cadences stop on a reply (the lead's, or a colleague's when asked), and a stop or pause committed while a
batch holds the enrollment still keeps its next email back (real SMTP; SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.inbound.intake import ingest
from campaigns.models import EnrollmentState, Send, SendState
from nurture.mail.smtp import SmtpTransport
from nurture.models import LeadEvent
from tests.mail.inbound_fixtures import load

STEPS = [
    {"id": "first", "type": "email", "subject": "Quick question", "html": "<p>Hi {{ lead.first_name }}</p>"},
    {"id": "gap", "type": "wait", "amount": 2, "unit": "days"},
    {"id": "second", "type": "email", "subject": "Following up", "html": "<p>Again</p>"},
]


def reply_from(sender: str, msgid: str = "<n999.0000000000000000@nurture.test>", tag: str = "") -> bytes:
    """A human reply (matched by In-Reply-To when ``msgid`` is ours, else by sender); ``tag`` makes its Message-ID new."""
    return load("human_reply", sender=sender, msgid=msgid).replace(b"@mail.gmail.com>", f"{tag}@mail.gmail.com>".encode(), 1)


def timeline(session, lead_id: int, kind: str) -> list[str]:
    return list(session.scalars(select(LeadEvent.reason).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == kind)))


def cadence(make_sequence, name: str = "Outreach", **options: Any):
    return make_sequence({"steps": STEPS, **options}, name=name, kind="cadence")


def test_a_reply_stops_the_leads_cadence_and_a_colleagues_stops_the_company_cadences_that_ask(
    session, clock, engine_settings, make_lead, make_sequence, tick, smtp_transport, smtp_sink
):
    company_wide = cadence(make_sequence, "Account play", stop_on_company_reply=True)
    plain = cadence(make_sequence, "Plain")
    ada, bob, cy = (make_lead(f"{n}@acme-corp.com", first_name=n.title()) for n in ("ada", "bob", "cy"))
    ada_e, bob_e = (enroll(session, company_wide, lead, now=clock(), by="test") for lead in (ada, bob))
    cy_e = enroll(session, plain, cy, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    ada_send = session.scalar(select(Send).where(Send.enrollment_id == ada_e.id))

    intake = ingest(session, engine_settings, reply_from("ada@acme-corp.com", ada_send.message_id), source="test", now=clock())
    session.commit()

    assert f"lead {ada.id}: 1 cadence(s) stopped (replied)" in intake.actions
    for enrollment in (ada_e, bob_e, cy_e):
        session.refresh(enrollment)
    assert (ada_e.state, ada_e.exit_reason) == (EnrollmentState.EXITED, "Cadence stopped: replied (ada@acme-corp.com)")
    assert (bob_e.state, bob_e.exit_reason) == (
        EnrollmentState.EXITED, "Cadence stopped: someone at acme-corp.com replied (ada@acme-corp.com)")  # fmt: skip
    assert cy_e.state == EnrollmentState.ACTIVE  # its cadence did not ask to stop on a colleague's reply
    assert timeline(session, bob.id, "sequence_exited") == [bob_e.exit_reason]

    # Someone at the company who is no lead of ours: the company's cadences that ask stop too.
    dan = make_lead("dan@acme-corp.com")
    dan_e = enroll(session, company_wide, dan, now=clock(), by="test")
    session.commit()
    ingest(session, engine_settings, reply_from("eve@acme-corp.com", tag="eve"), source="test", now=clock())
    session.refresh(dan_e)
    assert dan_e.exit_reason == "Cadence stopped: someone at acme-corp.com replied (eve@acme-corp.com)"


def test_a_reply_from_an_address_the_lead_had_before_stops_its_cadence(session, clock, engine_settings, make_lead, make_sequence,
                                                                        tick, smtp_transport, smtp_sink):  # fmt: skip
    lead = make_lead("ada@old-name.com")
    enrollment = enroll(session, cadence(make_sequence), lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    lead.email = "ada@new-name.com"
    session.commit()
    intake = ingest(session, engine_settings, reply_from("ada@old-name.com"), source="test", now=clock())
    assert (intake.inbound.matched_by, intake.inbound.lead_id) == ("sender", lead.id)
    session.refresh(enrollment)
    assert enrollment.exit_reason == "Cadence stopped: replied (ada@old-name.com)"


class StopsMidBatch(SmtpTransport):
    """Real SMTP, with a reply arriving (in a session of its own) before or right after the ledger's claim."""

    def __init__(self, url: str, reply: Any, after_claim: bool):
        super().__init__(url, timeout=5)
        self.reply, self.after_claim = reply, after_claim

    def send(self, envelope, before_data=None, then=None):  # type: ignore[no-untyped-def]
        if not self.after_claim:
            self.reply()
            return super().send(envelope, before_data, then)
        return super().send(envelope, lambda: bool(before_data() and (self.reply() or True)), then)  # type: ignore[misc]


def _claimed_then_replied(session, session_factory, clock, engine_settings, make_lead, make_sequence, tick, smtp_sink, after_claim):
    lead = make_lead("ada@acme-corp.com", first_name="Ada")
    enrollment = enroll(session, cadence(make_sequence), lead, now=clock(), by="test")
    session.commit()

    def reply() -> None:  # what the inbound poller does meanwhile, committed on its own
        with session_factory() as other:
            ingest(other, engine_settings, reply_from("ada@acme-corp.com"), source="imap", now=clock())
            other.commit()

    transport = StopsMidBatch(smtp_sink.url, reply, after_claim)
    try:
        tick(transport)
    finally:
        transport.close()
    session.refresh(enrollment)
    return enrollment, session.scalar(select(Send).where(Send.enrollment_id == enrollment.id))


def test_a_reply_committed_after_the_batch_claimed_the_enrollment_keeps_its_email_back(
    session, session_factory, clock, engine_settings, make_lead, make_sequence, tick, smtp_sink
):
    enrollment, send = _claimed_then_replied(session, session_factory, clock, engine_settings, make_lead, make_sequence, tick,
                                             smtp_sink, after_claim=False)  # fmt: skip
    assert smtp_sink.received == []
    assert send.state == SendState.SKIPPED and "exited" in send.last_error
    assert (enrollment.state, enrollment.exit_reason) == (EnrollmentState.EXITED, "Cadence stopped: replied (ada@acme-corp.com)")
    assert enrollment.current_step is None and enrollment.next_run_at is None


def test_the_batch_does_not_write_over_a_stop_committed_while_it_was_sending(
    session, session_factory, clock, engine_settings, make_lead, make_sequence, tick, smtp_sink, smtp_transport
):
    enrollment, send = _claimed_then_replied(session, session_factory, clock, engine_settings, make_lead, make_sequence, tick,
                                             smtp_sink, after_claim=True)  # fmt: skip
    assert len(smtp_sink.received) == 1 and send.state == SendState.SENT  # claimed before the reply: it went out
    assert (enrollment.state, enrollment.exit_reason) == (EnrollmentState.EXITED, "Cadence stopped: replied (ada@acme-corp.com)")
    assert enrollment.current_step is None and enrollment.next_run_at is None  # not moved on to the wait by the batch
    clock.advance(days=3)
    tick(smtp_transport)
    assert len(smtp_sink.received) == 1
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.EXITED and enrollment.current_step is None
