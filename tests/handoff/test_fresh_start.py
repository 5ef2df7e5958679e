"""A lead sales disqualified is not handed back by its next click: only engagement after it counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaigns.qualification import disqualify_lead
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import Lead, Role
from nurture.qualification.inputs import validate_disqualify_input
from tests.handoff.engagement import add_clicks

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)


def test_a_disqualified_lead_needs_new_engagement_to_reach_sales_again(session, settings, make_account):
    rep = make_account(Role.REP, "rep@example.com").user
    lead = create_lead(session, validate_lead_input({"email": "back@example.com"}), reason="test")
    session.commit()
    add_clicks(session, lead, 11, NOW)
    [handed] = evaluate_changed_leads(session, settings, NOW)
    assert handed.stage == "sql"

    later = NOW + timedelta(hours=1)
    disqualify_lead(session, settings, session.get(Lead, lead.id), validate_disqualify_input({"reason": "no_need"}, later.date()),
                    actor=rep, now=later)  # fmt: skip
    session.commit()
    assert session.get(Lead, lead.id).lifecycle_stage == "lead"

    add_clicks(session, lead, 1, later + timedelta(minutes=5))  # one more click on top of a sales-ready score
    assert [p.stage for p in evaluate_changed_leads(session, settings, later + timedelta(minutes=5))] != ["sql"]
    assert session.get(Lead, lead.id).lifecycle_stage != "sql"

    add_clicks(session, lead, 11, later + timedelta(days=1))  # as much engagement again, after the disqualification
    stages = [p.stage for p in evaluate_changed_leads(session, settings, later + timedelta(days=1))]
    assert "sql" in stages and session.get(Lead, lead.id).lifecycle_stage == "sql"
