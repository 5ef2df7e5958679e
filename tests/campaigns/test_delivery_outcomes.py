"""What the server answers decides the ledger: 4xx waits and retries once delivered, 5xx bounces
and suppresses, and a lead suppressed after its batch was queued is never mailed."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.claiming import claim_due
from campaigns.enrollments import enroll
from campaigns.execution import run_claim
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from nurture.mail.suppression import suppress
from nurture.models import LeadEvent, Suppression

ONE_EMAIL = {"steps": [{"id": "hello", "type": "email", "subject": "Hello", "html": "<p>Hi</p>"}]}


def _enroll(session, clock, make_lead, make_sequence, emails):
    sequence = make_sequence(ONE_EMAIL)
    leads = [make_lead(email) for email in emails]
    for lead in leads:
        enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    return leads


def test_temporary_failures_are_retried_with_backoff_and_delivered_once(
    session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport
):
    _enroll(session, clock, make_lead, make_sequence, ["a@example.com", "b@example.com", "busy@example.com"])
    smtp_sink.handler.refuse["busy@example.com"] = "451 4.7.1 Greylisted, try again later"
    tick(smtp_transport)
    busy = session.scalar(select(Send).where(Send.rcpt_to == "busy@example.com"))
    assert (busy.state, busy.smtp_code) == (SendState.DEFERRED, 451)
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.received) == ["a@example.com", "b@example.com"]

    clock.advance(seconds=30)  # before the backoff (60 s) nothing is retried
    tick(smtp_transport)
    assert len(smtp_sink.received) == 2

    del smtp_sink.handler.refuse["busy@example.com"]
    clock.advance(seconds=31)
    tick(smtp_transport)
    session.refresh(busy)
    assert busy.state == SendState.SENT
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.received) == ["a@example.com", "b@example.com", "busy@example.com"]
    clock.advance(hours=1)
    tick(smtp_transport)
    assert len(smtp_sink.received) == 3


def test_a_server_answering_421_for_a_while_ends_with_every_message_delivered_once(
    session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport
):
    emails = [f"lead{n}@example.com" for n in range(5)]
    _enroll(session, clock, make_lead, make_sequence, emails)
    for email in emails:
        smtp_sink.handler.refuse[email] = "421 4.3.2 Service shutting down"
    tick(smtp_transport)
    assert smtp_sink.received == []
    assert {s.state for s in session.scalars(select(Send))} == {SendState.DEFERRED}
    smtp_sink.handler.refuse.clear()
    for _ in range(10):
        clock.advance(minutes=5)
        tick(smtp_transport)
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.received) == emails
    assert {s.state for s in session.scalars(select(Send))} == {SendState.SENT}


def test_permanent_failures_bounce_suppress_and_exit_without_touching_the_rest(
    session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport
):
    leads = _enroll(session, clock, make_lead, make_sequence, ["ok@example.com", "gone@example.com", "ok2@example.com"])
    smtp_sink.handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    tick(smtp_transport)
    gone = session.scalar(select(Send).where(Send.rcpt_to == "gone@example.com"))
    assert (gone.state, gone.smtp_code) == (SendState.BOUNCED, 550)
    assert session.scalar(select(Suppression.reason).where(Suppression.email == "gone@example.com")) == "hard_bounce"
    enrollment = session.scalar(select(Enrollment).where(Enrollment.lead_id == leads[1].id))
    assert enrollment.state == EnrollmentState.EXITED and "bounce" in enrollment.exit_reason.lower()
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.received) == ["ok2@example.com", "ok@example.com"]
    kinds = set(session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == leads[1].id)))
    assert {"bounced", "sequence_exited"} <= kinds


def test_a_lead_suppressed_after_its_batch_was_claimed_is_never_mailed(
    session, clock, make_lead, make_sequence, smtp_sink, smtp_transport, engine_settings
):
    leads = _enroll(session, clock, make_lead, make_sequence, ["stays@example.com", "leaves@example.com"])
    claim = claim_due(session, clock(), 100, 300)  # the batch is queued…
    assert len(claim.enrollment_ids) == 2
    suppress(session, "leaves@example.com", "unsubscribed")  # …then the lead unsubscribes
    session.commit()
    run_claim(session, engine_settings, claim, smtp_transport, clock=clock)
    assert [r.rcpt_tos for r in smtp_sink.received] == [["stays@example.com"]]
    enrollment = session.scalar(select(Enrollment).where(Enrollment.lead_id == leads[1].id))
    assert enrollment.state == EnrollmentState.EXITED and "suppressed" in enrollment.exit_reason.lower()


def test_the_suppression_check_is_in_the_claim_itself(
    session, clock, make_lead, make_sequence, smtp_sink, smtp_transport, engine_settings, monkeypatch
):
    """Suppressed between rendering and the claim (the last moment before DATA): still not sent."""
    from campaigns.ledger import LedgerWriter

    _enroll(session, clock, make_lead, make_sequence, ["late@example.com"])
    real_claim = LedgerWriter.claim_and_commit

    def suppress_then_claim(self, send_id, topic=None):
        suppress(self.session, "late@example.com", "unsubscribed")
        return real_claim(self, send_id, topic)

    monkeypatch.setattr(LedgerWriter, "claim_and_commit", suppress_then_claim)
    claim = claim_due(session, clock(), 100, 300)
    run_claim(session, engine_settings, claim, smtp_transport, clock=clock)
    assert smtp_sink.received == []
    assert session.scalar(select(Send.state)) == SendState.SKIPPED


def test_a_topic_opt_out_is_checked_in_the_claim_itself(
    session, clock, make_lead, make_sequence, smtp_sink, smtp_transport, engine_settings, monkeypatch
):
    """Opted out of the sequence's topic after the batch read the opt-outs, before the claim: not sent,
    the enrollment exits with the reason, and another topic's email to the same lead still goes."""
    from campaigns.ledger import LedgerWriter
    from nurture.mail.topics import set_topic

    lead = make_lead("reader@example.com")
    for name, topic in (("News", "newsletter"), ("Updates", "product")):
        definition = {"topic": topic, **ONE_EMAIL}
        enroll(session, make_sequence(definition, name=name), lead, now=clock(), by="test")
    session.commit()
    real_claim = LedgerWriter.claim_and_commit

    def opt_out_then_claim(self, send_id, topic=None):
        set_topic(self.session, lead, "reader@example.com", "newsletter", False, "preferences page")
        self.session.commit()
        return real_claim(self, send_id, topic)

    monkeypatch.setattr(LedgerWriter, "claim_and_commit", opt_out_then_claim)
    run_claim(session, engine_settings, claim_due(session, clock(), 100, 300), smtp_transport, clock=clock)

    assert [r.message["Subject"] for r in smtp_sink.received] == ["Hello"]  # the product email only
    states = dict(session.execute(select(Send.step_id, Send.state).join(Enrollment)).all())
    exits = {e.exit_reason for e in session.scalars(select(Enrollment)) if e.state == EnrollmentState.EXITED}
    assert sorted(session.scalars(select(Send.state))) == sorted([SendState.SENT, SendState.SKIPPED]), states
    assert exits == {"Opted out of 'newsletter' emails (checked at send time)"}


def test_each_claim_commits_the_previous_outcome_so_one_message_at_most_is_unacknowledged(
    session, clock, make_lead, make_sequence, smtp_sink, smtp_transport, engine_settings
):
    """The outcome of message i rides in the transaction that claims message i+1 (one commit a
    message); right before each DATA, every earlier message is already recorded as sent."""
    emails = [f"lead{n}@example.com" for n in range(4)]
    _enroll(session, clock, make_lead, make_sequence, emails)
    seen: list[list[SendState]] = []

    class Watching:
        def send(self, envelope, before_data=None, then=None):
            def claim_then_look():
                claimed = before_data()
                seen.append([s for (s,) in session.execute(select(Send.state).order_by(Send.id))])
                return claimed

            return smtp_transport.send(envelope, claim_then_look, then)

        def close(self):
            pass

    run_claim(session, engine_settings, claim_due(session, clock(), 100, 300), Watching(), clock=clock)
    sent, sending, pending = SendState.SENT, SendState.SENDING, SendState.PENDING
    assert seen == [
        [sending, pending, pending, pending],
        [sent, sending, pending, pending],
        [sent, sent, sending, pending],
        [sent, sent, sent, sending],
    ]
    assert set(session.scalars(select(Send.state))) == {sent}  # the last outcome, committed on its own
    assert len(smtp_sink.received) == 4


def _built_before_each_claim(session, clock, engine_settings, smtp_transport, monkeypatch):
    """How many messages were built when each claim came: the batch builds them ahead, in chunks."""
    import campaigns.delivery as delivery

    built: list[int] = []
    build = delivery.build_envelope
    monkeypatch.setattr(delivery, "build_envelope", lambda *args: built.append(1) or build(*args))
    claims: list[int] = []

    class Counting:
        def send(self, envelope, before_data=None, then=None):
            return smtp_transport.send(envelope, lambda: claims.append(len(built)) or before_data(), then)

        def close(self):
            pass

    run_claim(session, engine_settings, claim_due(session, clock(), 100, 300), Counting(), clock=clock)
    return claims


def test_a_batch_builds_its_messages_before_it_sends_them(
    session, clock, make_lead, make_sequence, smtp_sink, smtp_transport, engine_settings, monkeypatch
):
    _enroll(session, clock, make_lead, make_sequence, [f"lead{n}@example.com" for n in range(4)])
    assert _built_before_each_claim(session, clock, engine_settings, smtp_transport, monkeypatch) == [4, 4, 4, 4]
    assert len(smtp_sink.received) == 4


def test_messages_built_ahead_stay_within_the_memory_budget(
    session, clock, make_lead, make_sequence, smtp_sink, smtp_transport, engine_settings, monkeypatch
):
    import campaigns.delivery as delivery

    monkeypatch.setattr(delivery, "BUILD_AHEAD_BYTES", 1)  # less than one message: chunks of one
    _enroll(session, clock, make_lead, make_sequence, [f"lead{n}@example.com" for n in range(4)])
    assert _built_before_each_claim(session, clock, engine_settings, smtp_transport, monkeypatch) == [1, 2, 3, 4]
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.received) == [f"lead{n}@example.com" for n in range(4)]


def test_enrolling_a_suppressed_lead_is_refused_with_the_reason(session, clock, make_lead, make_sequence):
    import pytest

    from nurture.errors import ValidationError

    sequence = make_sequence(ONE_EMAIL)
    lead = make_lead("unsub@example.com")
    suppress(session, "unsub@example.com", "unsubscribed")
    with pytest.raises(ValidationError) as refused:
        enroll(session, sequence, lead, now=clock(), by="test")
    assert refused.value.errors == {"lead_id": "The address is suppressed (unsubscribed)"}


def test_a_connection_lost_after_the_whole_message_is_unknown_and_never_resent(
    session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport
):
    _enroll(session, clock, make_lead, make_sequence, ["a@example.com", "lost@example.com", "b@example.com"])
    smtp_sink.handler.drop_before_reply.add("lost@example.com")
    tick(smtp_transport)
    lost = session.scalar(select(Send).where(Send.rcpt_to == "lost@example.com"))
    assert lost.state == SendState.UNKNOWN and "no answer after the message was sent" in lost.last_error
    for _ in range(5):  # hours of retries' worth: the maybe-delivered message is never sent again
        clock.advance(hours=1)
        tick(smtp_transport)
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.received) == ["a@example.com", "b@example.com", "lost@example.com"]
    lead_id = session.scalar(select(Enrollment.lead_id).where(Enrollment.id == lost.enrollment_id))
    events = session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == lead_id)).all()
    assert "email_unknown" in events


def test_the_ledger_row_carries_the_message_id_sender_and_subject_of_what_was_sent(
    session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport
):
    """Message-ID and sender are written for the batch before its claims (SQLite) or by each claim
    (PostgreSQL), the subject with each claim: all three must be those of the bytes the server
    received (replies and mailbox caps rely on them)."""
    _enroll(session, clock, make_lead, make_sequence, ["a@example.com", "b@example.com"])
    tick(smtp_transport)
    received = {r.rcpt_tos[0]: r.message for r in smtp_sink.received}
    sends = session.scalars(select(Send).order_by(Send.rcpt_to)).all()
    assert [s.state for s in sends] == [SendState.SENT, SendState.SENT]
    for send in sends:
        message = received[send.rcpt_to]
        assert send.message_id == message["Message-ID"]
        assert send.sender_email == "news@nurture.test" and "news@nurture.test" in message["From"]
        assert send.subject == message["Subject"] == "Hello"
    assert len({s.message_id for s in sends}) == 2


def test_each_ledger_row_is_updated_by_its_claim_and_its_outcome_plus_a_prewrite_on_sqlite_only(
    session, clock, make_lead, make_sequence, tick, smtp_transport
):
    """On PostgreSQL every update of a row (the claim changes an indexed state) writes all of its
    indexes, so the claim writes the headers too; on SQLite a prewrite keeps them out of the claims."""
    from sqlalchemy import event

    _enroll(session, clock, make_lead, make_sequence, ["a@example.com", "b@example.com"])
    updated: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.startswith("UPDATE sends"):
            updated.append(len(parameters) if executemany else 1)

    event.listen(session.connection(), "before_cursor_execute", count)
    tick(smtp_transport)
    event.remove(session.connection(), "before_cursor_execute", count)
    assert {s.state for s in session.scalars(select(Send))} == {SendState.SENT}
    assert sum(updated) == {"postgresql": 4, "sqlite": 6}[session.get_bind().dialect.name]
