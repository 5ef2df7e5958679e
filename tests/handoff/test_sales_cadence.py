"""A lead handed to sales leaves its nurture sequences and starts the default sales cadence when one is set."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from campaigns.handoff import after_handoff
from campaigns.models import Enrollment, EnrollmentState
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import LeadEvent, Role
from tests.handoff.engagement import add_clicks
from tests.sales import active_sequence

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)


def _hot_lead(session):
    lead = create_lead(session, validate_lead_input({"email": "hot@example.com"}), reason="test")
    session.commit()
    add_clicks(session, lead, 11, NOW)
    return lead


def _enrollments(session, lead):
    return {e.sequence_id: e for e in session.scalars(select(Enrollment).where(Enrollment.lead_id == lead.id))}


def test_the_handed_off_lead_leaves_nurture_and_starts_the_configured_cadence(session, settings, make_account):
    from campaigns.enrollments import enroll

    make_account(Role.REP, "rep@example.com")
    nurture = active_sequence(session, "Welcome", NOW)
    cadence = active_sequence(session, "Outbound", NOW, kind="cadence")
    lead = _hot_lead(session)
    enroll(session, nurture, lead, now=NOW, by="test")
    session.commit()

    [promotion] = evaluate_changed_leads(session, settings, NOW)
    assert promotion.rep is not None
    after_handoff(session, settings.with_(sales_cadence="Outbound"), lead, NOW)
    session.commit()

    enrollments = _enrollments(session, lead)
    assert enrollments[nurture.id].state == EnrollmentState.EXITED and enrollments[nurture.id].exit_reason == "Handed to sales"
    assert enrollments[cadence.id].state == EnrollmentState.ACTIVE


def test_a_missing_cadence_is_said_on_the_timeline_and_none_set_enrolls_nowhere(session, settings):
    active_sequence(session, "Welcome", NOW)  # a nurture sequence of that name is not a cadence
    lead = _hot_lead(session)
    assert after_handoff(session, settings, lead, NOW) is None
    assert _enrollments(session, lead) == {}

    assert after_handoff(session, settings.with_(sales_cadence="Welcome"), lead, NOW) is None
    session.commit()
    skipped = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "cadence_skipped")).one()
    assert "not enrolled in 'Welcome' (no such cadence)" in skipped.reason
    assert _enrollments(session, lead) == {}
