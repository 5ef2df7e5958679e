"""A lead who engages enough (as a human) is handed to a rep once, with a task due in the SLA and an email."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.handoff.routing import choose_rep
from nurture.handoff.sla import due_after_business_hours
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import LeadEvent, OutboxMessage, Role, Task
from tests.handoff.engagement import add_clicks

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)  # a Friday afternoon


def _lead(session, email="hot@example.com"):
    lead = create_lead(session, validate_lead_input({"email": email, "first_name": "Hot"}), reason="test")
    session.commit()
    return lead


def _engage(session, lead, clicks: int, machine: bool = False, at: datetime = NOW):
    add_clicks(session, lead, clicks, at, machine)


def test_sla_counts_business_hours_only():
    assert due_after_business_hours(NOW, 24) == datetime(2026, 11, 23, 15, tzinfo=UTC)  # Friday 15:00 → Monday 15:00
    assert due_after_business_hours(datetime(2026, 11, 18, 9, tzinfo=UTC), 24) == datetime(2026, 11, 19, 9, tzinfo=UTC)


def test_a_hot_lead_is_promoted_once_assigned_tasked_and_its_rep_notified(session, settings, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    lead = _lead(session)
    _engage(session, lead, clicks=6)  # 30 points: MQL
    [mql] = evaluate_changed_leads(session, settings, NOW)
    assert mql.stage == "mql" and lead.owner_team == "marketing"

    _engage(session, lead, clicks=5)  # 55 points: sales-ready
    [handoff] = evaluate_changed_leads(session, settings, NOW)
    session.refresh(lead)
    assert (lead.lifecycle_stage, lead.owner_team, lead.owner_user_id) == ("sql", "sales", rep.user.id)
    task = session.scalar(select(Task))
    assert (task.kind, task.owner_user_id, task.due_at) == ("first_touch", rep.user.id, datetime(2026, 11, 23, 15, tzinfo=UTC))
    mail = session.scalar(select(OutboxMessage))
    assert mail.rcpt_to == "rep@example.com" and b"Score" in mail.raw and b"click" in mail.raw

    _engage(session, lead, clicks=5)  # more clicks later: nothing happens twice
    assert evaluate_changed_leads(session, settings, NOW) == []
    assert session.scalar(select(func.count()).select_from(Task)) == 1
    kinds = list(session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id)))
    assert kinds.count("stage_changed") == 2 and kinds.count("owner_changed") == 1


def test_machine_clicks_promote_nobody(session, settings, make_account):
    make_account(Role.REP)
    lead = _lead(session, "scanned@example.com")
    _engage(session, lead, clicks=20, machine=True)
    assert evaluate_changed_leads(session, settings, NOW) == []
    session.refresh(lead)
    assert lead.lifecycle_stage == "lead" and session.scalar(select(Task)) is None


def test_routing_skips_away_and_full_reps_and_follows_weights(session, make_account):
    away, full, heavy, light = (make_account(Role.REP, f"{n}@example.com").user for n in ("away", "full", "heavy", "light"))
    away.away = True
    full.capacity = 0
    heavy.routing_weight = 3
    session.commit()
    picks = []
    for n in range(8):
        rep = choose_rep(session)
        picks.append(rep.email)
        lead = _lead(session, f"r{n}@example.com")
        lead.owner_team, lead.owner_user_id, lead.lifecycle_stage = "sales", rep.id, "sql"
        session.commit()
    assert "away@example.com" not in picks
    assert picks.count("heavy@example.com") > picks.count("light@example.com")
    full.capacity = 1  # full already holds a lead or more: at capacity now
    session.commit()
    assert choose_rep(session).email != "full@example.com"


def test_the_scheduler_task_hands_off_and_ends_nurture(session, session_factory, settings, make_account):
    from campaigns.enrollments import enroll
    from campaigns.models import Enrollment
    from campaigns.sequences import activate, create_sequence
    from workers import context
    from workers.dispatch import run_evaluate_engagement

    make_account(Role.REP, "rep@example.com")
    sequence = create_sequence(session, {"name": "N", "definition": {"steps": [{"id": "a", "type": "wait", "amount": 9, "unit": "days"}]}})
    activate(session, sequence, NOW)
    lead = _lead(session)
    enroll(session, sequence, lead, now=NOW, by="test")
    _engage(session, lead, clicks=11, at=datetime.now(UTC))
    context.configure(settings, session_factory)
    import time

    time.sleep(0.3)  # past the feed's settle time
    assert run_evaluate_engagement(settings, None) == 1
    enrollment = session.scalar(select(Enrollment))
    session.refresh(enrollment)
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "Handed to sales")
