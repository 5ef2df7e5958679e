"""Entry rules enroll new or changed leads that match, once, from activation on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.entry import auto_enroll
from campaigns.models import Enrollment
from nurture.forms.submit import submit_form
from nurture.leads.changes import apply_values
from nurture.leads.validation import validate_lead_input
from nurture.models import Form


@pytest.fixture
def clock():
    """Entry rules read the timeline by its real write time: the clock starts at the real now."""
    from datetime import UTC, datetime

    from tests.campaigns.conftest import Clock

    return Clock(datetime.now(UTC))


STEPS = [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]


def _enrolled(session) -> set[str]:
    from nurture.models import Lead

    return set(session.scalars(select(Lead.email).join(Enrollment, Enrollment.lead_id == Lead.id)))


def test_new_leads_from_a_source_and_changed_fields_are_enrolled(session, clock, make_lead, make_sequence):
    make_lead("before@example.com", source="webinar")  # existed before activation: not enrolled
    make_sequence({"steps": STEPS, "entry_rules": [{"source": "webinar"}, {"field": "country", "equals": "DE"}]})
    make_lead("webinar@example.com", source="webinar")
    make_lead("ebook@example.com", source="ebook")
    mover = make_lead("mover@example.com", source="ebook")
    apply_values(session, mover, validate_lead_input({"country": "de"}, partial=True), reason="test")
    session.commit()

    assert auto_enroll(session, clock.advance(hours=1)) == 2
    assert _enrolled(session) == {"webinar@example.com", "mover@example.com"}
    assert auto_enroll(session, clock.advance(hours=1)) == 0  # the checkpoint moved on: nothing twice


def test_a_form_rule_enrolls_who_submits_that_form(session, clock, make_lead, make_sequence):
    demo = Form(key="demo-request", name="Demo", fields=["first_name"], required_fields=[])
    other = Form(key="newsletter", name="Newsletter", fields=[], required_fields=[])
    session.add_all([demo, other])
    session.commit()
    make_sequence({"steps": STEPS, "entry_rules": [{"form": "demo-request"}]})
    submit_form(session, demo, {"email": "wants-demo@example.com", "first_name": "Dee"})
    submit_form(session, other, {"email": "reader@example.com"})
    session.commit()
    assert auto_enroll(session, clock() + timedelta(minutes=1)) == 1
    assert _enrolled(session) == {"wants-demo@example.com"}


def test_events_younger_than_the_settle_time_wait_for_the_next_pass(session, clock, make_lead, make_sequence):
    from datetime import UTC, datetime

    make_sequence({"steps": STEPS, "entry_rules": [{"source": "webinar"}]})
    make_lead("fresh@example.com", source="webinar")
    now = datetime.now(UTC)
    assert auto_enroll(session, now) == 0
    assert auto_enroll(session, now + timedelta(seconds=5)) == 1
