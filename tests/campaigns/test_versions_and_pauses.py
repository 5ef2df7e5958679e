"""Editing a live sequence makes a new version; pausing holds and resuming shifts, never bursts;
the frequency cap defers; A/B variants split by weight; goals and actions end and change things."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from campaigns.sequences import pause, resume, update_sequence
from nurture.errors import ValidationError
from nurture.leads.changes import apply_values
from nurture.leads.validation import validate_lead_input
from nurture.models import LeadEvent

TWO_EMAILS = {
    "steps": [
        {"id": "one", "type": "email", "subject": "One", "html": "<p>1</p>"},
        {"id": "gap", "type": "wait", "amount": 1, "unit": "days"},
        {"id": "two", "type": "email", "subject": "Two", "html": "<p>2</p>"},
    ]
}


def test_enrolled_leads_finish_the_version_they_started(session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport):
    sequence = make_sequence(TWO_EMAILS)
    early = make_lead("early@example.com")
    enroll(session, sequence, early, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)

    edited = {"steps": [*TWO_EMAILS["steps"][:2], {"id": "two", "type": "email", "subject": "Two (new)", "html": "<p>2b</p>"}]}
    version = update_sequence(session, sequence, {"definition": edited})
    assert version.number == 2 and sequence.current_version_id == version.id
    late = make_lead("late@example.com")
    enroll(session, sequence, late, now=clock(), by="test")
    session.commit()
    for _ in range(3):
        clock.advance(hours=12)
        tick(smtp_transport)
    subjects = {(r.rcpt_tos[0], r.message["Subject"]) for r in smtp_sink.received}
    assert ("early@example.com", "Two") in subjects and ("late@example.com", "Two (new)") in subjects


def test_pausing_holds_and_resuming_shifts_the_schedule(session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport):
    sequence = make_sequence(TWO_EMAILS)
    leads = [make_lead(f"p{n}@example.com") for n in range(3)]
    for lead in leads:
        enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    assert len(smtp_sink.received) == 3
    due_before = {e.id: e.next_run_at for e in session.scalars(select(Enrollment))}

    assert pause(session, sequence, clock()) == 3
    session.commit()
    clock.advance(days=3)
    tick(smtp_transport)
    assert len(smtp_sink.received) == 3  # nothing sent while paused

    assert resume(session, sequence, clock()) == 3
    session.commit()
    for enrollment in session.scalars(select(Enrollment)):
        assert enrollment.state == EnrollmentState.ACTIVE
        assert enrollment.next_run_at == due_before[enrollment.id] + timedelta(days=3)  # shifted, not due at once
    tick(smtp_transport)
    assert len(smtp_sink.received) == 3  # no burst on resume
    clock.advance(days=1)
    tick(smtp_transport)
    assert len(smtp_sink.received) == 6


def test_the_frequency_cap_defers_instead_of_dropping(session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport, engine_settings):
    capped = engine_settings.with_(frequency_cap_per_day=1)
    first = make_sequence({"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]}, name="First")
    second = make_sequence({"steps": [{"id": "b", "type": "email", "subject": "B", "html": "<p>b</p>"}]}, name="Second")
    lead = make_lead("busy@example.com")
    enroll(session, first, lead, now=clock(), by="test")
    enroll(session, second, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport, capped)
    assert len(smtp_sink.received) == 1
    clock.advance(hours=23)
    tick(smtp_transport, capped)
    assert len(smtp_sink.received) == 1
    clock.advance(hours=1, minutes=1)
    tick(smtp_transport, capped)
    assert sorted(r.message["Subject"] for r in smtp_sink.received) == ["A", "B"]


def test_an_email_the_frequency_cap_will_hold_is_not_opened_ahead(
    session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport, engine_settings
):
    """The batch sends busy's first email, holds its second (the cap counts the first), sends other's:
    the held one's SMTP transaction never went ahead, so no connection was closed to abort it."""
    capped = engine_settings.with_(frequency_cap_per_day=1)
    first = make_sequence({"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]}, name="First")
    second = make_sequence({"steps": [{"id": "b", "type": "email", "subject": "B", "html": "<p>b</p>"}]}, name="Second")
    busy, other = make_lead("busy@example.com"), make_lead("other@example.com")
    for sequence, lead in ((first, busy), (second, busy), (first, other)):
        enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport, capped)
    assert [(r.rcpt_tos[0], r.message["Subject"]) for r in smtp_sink.received] == [("busy@example.com", "A"), ("other@example.com", "A")]
    assert smtp_sink.handler.ehlos == 1


def test_ab_variants_split_by_weight_and_are_recorded(session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport):
    definition = {"steps": [{"id": "ab", "type": "email", "variants": [
        {"id": "short", "subject": "Short", "html": "<p>s</p>", "weight": 50},
        {"id": "long", "subject": "A longer subject", "html": "<p>l</p>", "weight": 50},
    ]}]}  # fmt: skip
    sequence = make_sequence(definition)
    for n in range(60):
        enroll(session, sequence, make_lead(f"ab{n}@example.com"), now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    variants = Counter(session.scalars(select(Send.variant)))
    assert set(variants) == {"short", "long"} and min(variants.values()) >= 15
    subjects = Counter(r.message["Subject"] for r in smtp_sink.received)
    assert subjects == Counter({"Short": variants["short"], "A longer subject": variants["long"]})


def test_a_goal_ends_the_enrollment_before_the_next_email(session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport):
    sequence = make_sequence({**TWO_EMAILS, "goals": [{"type": "stage_reached", "stage": "mql"}]})
    lead = make_lead("goal@example.com")
    enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    apply_values(session, lead, validate_lead_input({"lifecycle_stage": "mql"}, partial=True), reason="score crossed MQL")
    session.commit()
    clock.advance(days=2)
    tick(smtp_transport)
    assert [r.message["Subject"] for r in smtp_sink.received] == ["One"]
    enrollment = session.scalar(select(Enrollment))
    assert enrollment.state == EnrollmentState.COMPLETED and "mql" in enrollment.exit_reason


def test_actions_change_the_lead_and_a_field_branch_routes(session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport):
    definition = {"steps": [
        {"id": "route", "type": "branch", "condition": {"type": "field", "field": "country", "op": "equals", "value": "DE"}, "then": "de", "else": "other"},
        {"id": "de", "type": "action", "action": "add_tag", "tag": "dach", "next": "stage"},
        {"id": "other", "type": "action", "action": "exit", "reason": "Not in our market"},
        {"id": "stage", "type": "action", "action": "set_status", "status": "attempting"},
        {"id": "mail", "type": "email", "subject": "Hallo", "html": "<p>Hallo</p>"},
    ]}  # fmt: skip
    sequence = make_sequence(definition)
    german, french = make_lead("de@example.com", country="DE"), make_lead("fr@example.com", country="FR")
    for lead in (german, french):
        enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    session.refresh(german)
    assert german.custom_fields["tags"] == ["dach"] and german.lead_status == "attempting"
    assert [r.rcpt_tos for r in smtp_sink.received] == [["de@example.com"]]
    exited = session.scalar(select(Enrollment).where(Enrollment.lead_id == french.id))
    assert (exited.state, exited.exit_reason) == (EnrollmentState.EXITED, "Not in our market")
    assert session.scalar(select(LeadEvent).where(LeadEvent.lead_id == german.id, LeadEvent.kind == "status_changed"))


def test_one_live_enrollment_per_lead_and_reenrollment_policy(session, clock, make_lead, make_sequence, tick, smtp_sink, smtp_transport):
    sequence = make_sequence({"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]})
    lead = make_lead("once@example.com")
    enroll(session, sequence, lead, now=clock(), by="test")
    with pytest.raises(ValidationError, match="Already enrolled"):
        enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    with pytest.raises(ValidationError, match="re-enrollment is off"):
        enroll(session, sequence, lead, now=clock(), by="test")
    update_sequence(session, sequence, {"reenroll": "after_exit"})
    enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    assert len(smtp_sink.received) == 2 and session.scalar(select(Send.state).limit(1)) == SendState.SENT
