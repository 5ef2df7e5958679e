"""Replies and bounces coming back act on the lead: over a real IMAP server (dovecot) and the engine's clock."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, select

from campaigns.enrollments import enroll
from campaigns.inbound.intake import ingest
from campaigns.inbound.polling import poll_mailbox
from campaigns.models import Enrollment, EnrollmentState, Send
from nurture.mail.inbound.imap import PROCESSED_FLAG
from nurture.mail.inbound.mailbox import parse_mailbox_url
from nurture.models import Checkpoint, EmailEvent, InboundKind, InboundMessage, Lead, LeadEvent, Suppression
from nurture.scoring.lead_score import score_lead
from nurture.scoring.rules import ScoringRules
from tests.mail.inbound_fixtures import BOUNCES, load

STEPS = [
    {"id": "welcome", "type": "email", "subject": "Welcome to Nurture", "html": "<p>Hello {{ lead.first_name }}</p>"},
    {"id": "pause", "type": "wait", "amount": 2, "unit": "days"},
    {"id": "follow-up", "type": "email", "subject": "Following up", "html": "<p>Again</p>"},
]
STOPS_ON_REPLY = {"goals": [{"type": "replied"}], "steps": STEPS}


@pytest.fixture
def started(session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink):
    """Leads enrolled in a sequence, its first email sent through real SMTP; returns lead → (enrollment, send)."""

    def start(*emails: str, definition: dict[str, Any] = STOPS_ON_REPLY, name: str = "Welcome") -> dict[str, Any]:
        sequence = make_sequence(definition, name=name)
        leads = [session.scalar(select(Lead).where(Lead.email == email)) or make_lead(email, first_name="Ada") for email in emails]
        enrollments = {lead.email: enroll(session, sequence, lead, now=clock(), by="test") for lead in leads}
        session.commit()
        tick(smtp_transport)
        found = {}
        for email, enrollment in enrollments.items():
            send = session.scalar(select(Send).where(Send.enrollment_id == enrollment.id, Send.step_id == "welcome"))
            assert send is not None and send.message_id
            found[email] = (enrollment, send)
        return found

    return start


def events(session, lead_id: int, kind: str) -> list[LeadEvent]:
    return session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == kind)).all()


def suppressed(session) -> set[str]:
    return set(session.scalars(select(Suppression.email)))


def test_a_reply_over_imap_ends_the_enrollment_before_its_next_email(
    session, clock, engine_settings, tick, smtp_transport, smtp_sink, started, imap_server, imap_folder
):
    sends = started("ada@example.org", "bob@example.org")
    ada_enrollment, ada_send = sends["ada@example.org"]
    sent_id = next(r.message["Message-ID"] for r in smtp_sink.received if r.rcpt_tos == ["ada@example.org"])
    assert sent_id == ada_send.message_id

    clock.advance(hours=3)
    imap_server.append(load("human_reply", msgid=sent_id, sender="ada@example.org"), imap_folder)
    mailbox = parse_mailbox_url(imap_server.url(imap_folder))
    result = poll_mailbox(session, engine_settings, mailbox, clock=clock)

    assert (result.fetched, result.processed) == (1, 1)
    inbound = session.scalar(select(InboundMessage))
    assert (inbound.kind, inbound.matched_by, inbound.send_id, inbound.lead_id) == (
        InboundKind.HUMAN_REPLY, "in_reply_to", ada_send.id, ada_send.lead_id)  # fmt: skip
    session.refresh(ada_enrollment)
    assert (ada_enrollment.state, ada_enrollment.exit_reason) == (EnrollmentState.EXITED, "replied")
    reply = session.scalar(select(EmailEvent).where(EmailEvent.kind == "reply"))
    assert reply.send_id == ada_send.id
    assert reply.data["enrollment_id"] == ada_enrollment.id and reply.data["sequence_id"] == ada_enrollment.sequence_id
    [replied] = events(session, ada_send.lead_id, "replied")
    assert "Could we talk on Tuesday" in replied.reason and ">" not in replied.reason
    score = score_lead(session, session.get(Lead, ada_send.lead_id), ScoringRules(), clock())
    assert [c.points for c in score.engagement.contributions if c.kind == "reply"] == [15]
    assert list(imap_server.messages(imap_folder).values())[0].count(PROCESSED_FLAG) == 1

    clock.advance(days=3)
    tick(smtp_transport)
    follow_ups = [r.rcpt_tos[0] for r in smtp_sink.received if r.message["Subject"] == "Following up"]
    assert follow_ups == ["bob@example.org"]  # Ada replied: her next email is never sent


def test_the_same_message_fetched_twice_is_processed_once(session, clock, engine_settings, started, imap_server, imap_folder):
    _, send = started("ada@example.org")["ada@example.org"]
    raw = load("human_reply", msgid=send.message_id, sender="ada@example.org")
    mailbox = parse_mailbox_url(imap_server.url(imap_folder))
    imap_server.append(raw, imap_folder)
    imap_server.append(raw, imap_folder)  # delivered twice (two UIDs, one Message-ID)

    first = poll_mailbox(session, engine_settings, mailbox, clock=clock)
    assert (first.fetched, first.processed, first.duplicates) == (2, 1, 1)
    assert poll_mailbox(session, engine_settings, mailbox, clock=clock).fetched == 0  # UIDs remembered
    session.execute(delete(Checkpoint).where(Checkpoint.name.like("imap:%")))  # as if the checkpoint were lost
    session.commit()
    again = poll_mailbox(session, engine_settings, mailbox, clock=clock)
    assert (again.fetched, again.processed, again.duplicates) == (2, 0, 2)

    assert session.scalar(select(func.count(InboundMessage.id))) == 1
    assert session.scalar(select(func.count(EmailEvent.id)).where(EmailEvent.kind == "reply")) == 1
    assert len(events(session, send.lead_id, "replied")) == 1


def test_processed_messages_can_be_moved_to_a_folder(session, clock, engine_settings, imap_server, imap_folder, make_lead):
    make_lead("ada@example.org")
    imap_server.append(load("human_reply", sender="ada@example.org"), imap_folder)
    imap_server.append(b"this is not a message\r\n", imap_folder)
    mailbox = parse_mailbox_url(imap_server.url(imap_folder, f"move_to={imap_folder}-done"))

    result = poll_mailbox(session, engine_settings, mailbox, clock=clock)

    assert (result.processed, result.rejected) == (1, 1)
    assert len(imap_server.messages(f"{imap_folder}-done")) == 1
    [(_, flags)] = imap_server.messages(imap_folder).items()  # the garbage stays, unmarked, for a person
    assert PROCESSED_FLAG not in flags
    assert session.scalar(select(InboundMessage.matched_by)) == "sender"


@pytest.mark.parametrize("fixture", BOUNCES)
def test_each_bounce_suppresses_exactly_the_failed_address_and_ends_its_enrollments(session, clock, engine_settings, started, fixture):
    sends = started("gone@example.org", "stays@example.org")
    enrollment, send = sends["gone@example.org"]

    intake = ingest(session, engine_settings, load(fixture, rcpt="gone@example.org", msgid=send.message_id, send_id=send.id),
                    source="test", now=clock())  # fmt: skip

    assert intake.inbound.kind == InboundKind.HARD_BOUNCE
    assert (intake.inbound.matched_by, intake.inbound.send_id) == ("original_message", send.id)
    assert suppressed(session) == {"gone@example.org"}
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.EXITED and enrollment.exit_reason.startswith("Hard bounce: 5.")
    assert len(events(session, send.lead_id, "bounced")) == 1
    other, _ = sends["stays@example.org"]
    session.refresh(other)
    assert other.state == EnrollmentState.ACTIVE


def test_a_bounce_without_our_headers_still_suppresses_the_address_it_names(session, clock, engine_settings, make_lead):
    lead = make_lead("unknown@example.org")
    raw = load("exim_failed", rcpt="unknown@example.org", msgid="<not-ours@elsewhere.example>")
    intake = ingest(session, engine_settings, raw, source="test", now=clock())
    assert (intake.inbound.matched_by, intake.inbound.lead_id, intake.inbound.send_id) == ("failed_address", lead.id, None)
    assert suppressed(session) == {"unknown@example.org"}


def test_soft_bounces_suppress_only_after_the_limit_within_the_window(session, clock, engine_settings, started):
    enrollment, send = started("full@example.org")["full@example.org"]

    def bounce() -> None:
        ingest(session, engine_settings, load("postfix_mailbox_full", rcpt="full@example.org", msgid=send.message_id),
               source="test", now=clock())  # fmt: skip

    bounce()
    clock.advance(days=31)  # the first one falls out of the 30-day window
    bounce()
    clock.advance(days=1)
    bounce()
    assert suppressed(session) == set()
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.ACTIVE
    clock.advance(days=1)
    bounce()  # the third within 30 days

    assert suppressed(session) == {"full@example.org"}
    assert session.scalar(select(Suppression.reason)) == "soft_bounces"
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.EXITED and "3 soft bounces" in enrollment.exit_reason
    assert [e.data["count"] for e in events(session, send.lead_id, "soft_bounced")] == [1, 1, 2, 3]
    kinds = session.scalars(select(EmailEvent.kind).where(EmailEvent.send_id == send.id)).all()
    assert kinds == ["soft_bounce"] * 4  # per step in the sequence's stats, apart from hard bounces


def test_out_of_office_notes_the_return_date_and_changes_nothing_else(session, clock, engine_settings, started):
    enrollment, send = started("grace@example.org")["grace@example.org"]
    intake = ingest(session, engine_settings, load("ooo_german", sender="grace@example.org", msgid=send.message_id),
                    source="test", now=clock())  # fmt: skip

    assert intake.inbound.kind == InboundKind.OUT_OF_OFFICE and intake.inbound.return_on.isoformat() == "2026-12-07"
    [event] = events(session, send.lead_id, "out_of_office")
    assert event.data["return_on"] == "2026-12-07" and event.data["send_id"] == send.id
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.ACTIVE
    assert session.scalar(select(func.count(EmailEvent.id)).where(EmailEvent.kind == "reply")) == 0
    assert suppressed(session) == set()


def test_a_reply_ends_only_sequences_that_stop_on_reply(session, clock, engine_settings, started):
    stops, send = started("ada@example.org")["ada@example.org"]
    carries_on, _ = started("ada@example.org", definition={"steps": STEPS}, name="No goal")["ada@example.org"]
    raw = load("human_reply", sender="ada@example.org", msgid="<n999.0000000000000000@nurture.test>")  # a forged id of ours

    intake = ingest(session, engine_settings, raw, source="test", now=clock())

    assert (intake.inbound.matched_by, intake.inbound.lead_id, intake.inbound.send_id) == ("sender", send.lead_id, None)
    session.refresh(stops)
    session.refresh(carries_on)
    assert (stops.state, stops.exit_reason) == (EnrollmentState.EXITED, "replied")
    assert carries_on.state == EnrollmentState.ACTIVE
    assert session.scalar(select(EmailEvent.send_id).where(EmailEvent.kind == "reply")) is None


def test_enrollments_of_other_leads_are_untouched(session, clock, engine_settings, started):
    sends = started("ada@example.org", "bob@example.org")
    ingest(session, engine_settings, load("human_reply", sender="ada@example.org", msgid=sends["ada@example.org"][1].message_id),
           source="test", now=clock())  # fmt: skip
    bob = sends["bob@example.org"][0]
    session.refresh(bob)
    assert session.get(Enrollment, bob.id).state == EnrollmentState.ACTIVE


def test_a_copy_of_our_own_sent_email_is_ignored(session, clock, engine_settings, started, smtp_sink):
    enrollment, _ = started("ada@example.org")["ada@example.org"]
    [sent] = smtp_sink.received
    intake = ingest(session, engine_settings, sent.message.as_bytes(), source="test", now=clock())
    assert intake.inbound.kind == InboundKind.AUTO_REPLY and intake.actions == []
    session.refresh(enrollment)
    assert enrollment.state == EnrollmentState.ACTIVE
