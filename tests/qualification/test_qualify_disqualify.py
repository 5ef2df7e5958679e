"""A rep qualifies a lead into an opportunity, or disqualifies it back to marketing with a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState
from campaigns.qualification import disqualify_lead, qualify_lead, resurface_due
from nurture.errors import ValidationError
from nurture.models import Disqualification, Lead, LeadEvent, Opportunity, Role, Task
from nurture.qualification.inputs import validate_disqualify_input, validate_qualify_input
from tests.sales import active_sequence, sales_lead

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def events(session, lead):
    return session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id)).all()


def test_qualifying_records_bant_creates_the_deal_and_stops_the_cadence(session, make_account):
    rep = make_account(Role.REP, "rep@example.com").user
    lead = sales_lead(session, rep)
    cadence = active_sequence(session, "Outbound", NOW, kind="cadence")
    enroll(session, cadence, lead, now=NOW, by="rep")
    session.commit()
    values = validate_qualify_input({"budget": "50k approved", "authority": "CFO signs", "need": "Replace spreadsheets",
                                     "timeline": "Q1", "amount": "48000", "currency": "eur", "close_date": "2027-03-31"},
                                    "Acme deal")  # fmt: skip
    opp = qualify_lead(session, lead, values, actor=rep, now=NOW)
    session.commit()
    lead = session.get(Lead, lead.id)
    assert (lead.lifecycle_stage, lead.lead_status, lead.budget, lead.timeline) == ("opportunity", "qualified", "50k approved", "Q1")
    assert (opp.name, str(opp.amount), opp.currency, opp.owner_user_id, opp.close_date) == ("Acme deal", "48000.00", "EUR", rep.id, date(2027, 3, 31))
    timeline = events(session, lead)
    kinds = [e.kind for e in timeline]
    assert {"qualified", "opportunity_created", "stage_changed", "status_changed", "sequence_exited"} <= set(kinds)
    assert all(e.reason for e in timeline)
    qualified = next(e for e in timeline if e.kind == "qualified")
    assert qualified.data["budget"] == [None, "50k approved"] and "rep@example.com" in qualified.reason
    assert session.scalar(select(Enrollment.state)) == EnrollmentState.EXITED
    with pytest.raises(ValidationError) as again:
        qualify_lead(session, lead, values, actor=rep, now=NOW)
    assert "Already an opportunity" in again.value.errors["lead"]


def test_disqualifying_recycles_to_marketing_as_a_recorded_event_and_renurtures(session, settings, make_account):
    rep = make_account(Role.REP, "rep@example.com").user
    lead = sales_lead(session, rep)
    nurture = active_sequence(session, "Recycled leads", NOW)
    cadence = active_sequence(session, "Outbound", NOW, kind="cadence")
    enroll(session, cadence, lead, now=NOW, by="rep")
    session.commit()
    values = validate_disqualify_input({"reason": "no budget", "note": "Frozen until next FY", "budget": "none"}, NOW.date())
    dq = disqualify_lead(session, settings.with_(recycle_sequence="Recycled leads"), lead, values, actor=rep, now=NOW)
    session.commit()
    lead = session.get(Lead, lead.id)
    assert (lead.lifecycle_stage, lead.lead_status, lead.owner_team, lead.owner_user_id) == ("lead", "unqualified", "marketing", None)
    assert (dq.reason, dq.stage_before, dq.note, dq.actor_user_id) == ("no_budget", "sql", "Frozen until next FY", rep.id)
    recycled = next(e for e in events(session, lead) if e.kind == "recycled")
    assert recycled.data == {"lifecycle_stage": ["sql", "lead"], "disqualification_reason": "no_budget"}
    assert "no budget" in recycled.reason
    states = dict(session.execute(select(Enrollment.sequence_id, Enrollment.state)).all())
    assert states == {cadence.id: EnrollmentState.EXITED, nurture.id: EnrollmentState.ACTIVE}


def test_junk_is_never_renurtured_and_a_missing_recycle_sequence_is_recorded(session, settings, make_account):
    rep = make_account(Role.REP).user
    junk, other = sales_lead(session, rep, email="junk@acme.com"), sales_lead(session, rep, email="other@acme.com")
    configured = settings.with_(recycle_sequence="Does not exist")
    disqualify_lead(session, configured, junk, validate_disqualify_input({"reason": "junk"}, NOW.date()), actor=rep, now=NOW)
    disqualify_lead(session, configured, other, validate_disqualify_input({"reason": "no_need"}, NOW.date()), actor=rep, now=NOW)
    session.commit()
    assert "recycle_skipped" not in [e.kind for e in events(session, junk)]
    skipped = next(e for e in events(session, other) if e.kind == "recycle_skipped")
    assert "no such sequence" in skipped.reason


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"reason": "Required field missing"}),
        ({"reason": "too_expensive"}, {"reason": "Unknown value; one of: no_budget, no_authority, no_need, bad_timing, competitor, not_reachable, junk"}),
        ({"reason": "bad_timing"}, {"resurface_on": "Bad timing needs the date the lead comes back"}),
        ({"reason": "bad_timing", "resurface_on": "2026-11-23"}, {"resurface_on": "Must be a future date"}),
        ({"reason": "no_need", "resurface_on": "2027-01-01"}, {"resurface_on": "Only for bad timing"}),
        ({"reason": "junk", "note": "x" * 1001, "why": 1}, {"note": "Too long (at most 1000 characters)", "why": "Unknown field"}),
    ],
)
def test_disqualify_input_errors(body, errors):
    with pytest.raises(ValidationError) as exc:
        validate_disqualify_input(body, NOW.date())
    assert exc.value.errors == errors


def test_bad_timing_resurfaces_on_its_date_once_with_a_task_for_marketing(session, settings, make_account):
    rep = make_account(Role.REP).user
    lead = sales_lead(session, rep)
    values = validate_disqualify_input({"reason": "bad_timing", "resurface_on": "2027-02-01"}, NOW.date())
    disqualify_lead(session, settings, lead, values, actor=rep, now=NOW)
    session.commit()
    assert session.get(Lead, lead.id).lead_status == "bad_timing"

    day_before = datetime(2027, 1, 31, 23, 59, tzinfo=UTC)
    assert resurface_due(session, settings, day_before) == 0
    on_the_day = datetime(2027, 2, 1, 0, 1, tzinfo=UTC)
    assert resurface_due(session, settings, on_the_day) == 1
    assert resurface_due(session, settings, on_the_day + timedelta(days=1)) == 0  # once
    lead = session.get(Lead, lead.id)
    assert (lead.lead_status, lead.lifecycle_stage, lead.owner_team) == ("new", "lead", "marketing")
    resurfaced = next(e for e in events(session, lead) if e.kind == "resurfaced")
    assert "2027-02-01" in resurfaced.reason
    task = session.scalar(select(Task).where(Task.lead_id == lead.id))
    assert (task.kind, task.owner_user_id, task.due_at) == ("resurfaced", None, on_the_day)
    assert session.scalar(select(Disqualification.resurfaced_at)) == on_the_day


def test_bad_timing_renurtures_when_a_recycle_sequence_is_set_and_skips_a_lead_that_moved_on(session, settings, make_account):
    rep = make_account(Role.REP).user
    waiting, moved_on = sales_lead(session, rep, email="wait@acme.com"), sales_lead(session, rep, email="moved@acme.com")
    nurture = active_sequence(session, "Recycled leads", NOW)
    recycling = settings.with_(recycle_sequence="Recycled leads")
    for lead in (waiting, moved_on):
        values = validate_disqualify_input({"reason": "bad_timing", "resurface_on": "2027-02-01"}, NOW.date())
        disqualify_lead(session, recycling, lead, values, actor=rep, now=NOW)
    session.commit()
    assert session.scalar(select(Enrollment.id)) is None  # bad timing waits: not nurtured at once
    moved_on.lead_status = "attempting"
    session.commit()

    assert resurface_due(session, recycling, datetime(2027, 2, 1, 9, tzinfo=UTC)) == 1
    assert session.scalar(select(Enrollment.lead_id).where(Enrollment.sequence_id == nurture.id)) == waiting.id
    assert session.scalar(select(Task.id)) is None
    assert "resurface_skipped" in [e.kind for e in events(session, moved_on)]


def test_a_lead_with_a_deal_is_not_disqualified(session, settings, make_account):
    rep = make_account(Role.REP).user
    lead = sales_lead(session, rep)
    qualify_lead(session, lead, validate_qualify_input({"amount": "1", "currency": "USD", "close_date": "2027-01-01"}, "d"), actor=rep, now=NOW)
    with pytest.raises(ValidationError) as exc:
        disqualify_lead(session, settings, lead, validate_disqualify_input({"reason": "no_need"}, NOW.date()), actor=rep, now=NOW)
    assert "close the deal as lost" in exc.value.errors["lead"]
    assert session.scalar(select(Opportunity.id)) is not None


def test_the_scheduler_resurfaces_due_leads(session, settings, session_factory, make_account):
    from workers import context
    from workers.qualification_jobs import run_resurface
    from workers.scheduler import periodic_tasks

    assert "resurface_bad_timing" in [task.name for task in periodic_tasks()]
    rep = make_account(Role.REP).user
    lead = sales_lead(session, rep)
    values = validate_disqualify_input({"reason": "bad_timing", "resurface_on": "2027-02-01"}, NOW.date())
    disqualify_lead(session, settings, lead, values, actor=rep, now=NOW)
    session.commit()
    context.configure(settings, session_factory)
    assert run_resurface(settings, None) == 0  # not yet: the real clock is before 2027-02-01
    row = session.scalar(select(Disqualification))
    row.resurface_on = date(2026, 1, 1)  # as if its day had come
    session.commit()
    assert run_resurface(settings, None) == 1
    session.expire_all()
    assert session.get(Lead, lead.id).lead_status == "new"
