"""Hand-raisers: a demo request (or a pricing-page visit plus a reply) hands even a low-score lead to a rep at
once — owner by routing, a first-touch task due within the SLA, the rep emailed — by the same handoff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.forms.definitions import create_form
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.handoff.policy import current_policy
from nurture.handoff.sla import due_after_business_hours
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import ActivityEvent, EmailEvent, Lead, OutboxMessage, Role, Stage, Task
from nurture.scoring.lead_score import score_lead
from nurture.stages.edit import update_stage

SIGNALS = {"score": "policy_sales_ready", "signals": [["form:demo-request"], ["page:/pricing", "reply"]]}


def fast_track(session, editor) -> None:
    update_stage(session, session.scalar(select(Stage).where(Stage.key == "sql")), {"criteria": SIGNALS}, editor)
    session.commit()


def test_a_demo_request_from_a_low_score_lead_reaches_a_rep_within_the_sla(client, session, settings, person, editor):
    rep = person(Role.REP, "rep@example.com")
    fast_track(session, editor)
    create_form(session, {"name": "Demo request", "key": "demo-request", "fields": ["first_name", "company"]})
    session.commit()

    posted = utcnow()
    response = client.post("/f/demo-request", data={"email": "dana@example.com", "first_name": "Dana", "company": "Acme"})
    assert response.status_code == 201
    now = utcnow() + timedelta(seconds=1)  # the scheduler's next pass (every 0.25 s) once the row has settled
    [handoff] = evaluate_changed_leads(session, settings, now)

    lead = session.scalar(select(Lead).where(Lead.email == "dana@example.com"))
    score = score_lead(session, lead, current_policy(session).rules, now)
    assert score.engagement.score < current_policy(session).thresholds.mql_engagement  # low: not even an MQL by score
    assert (handoff.stage, lead.lifecycle_stage, lead.owner_team, lead.owner_user_id) == ("sql", "sql", "sales", rep.id)
    task = session.scalar(select(Task).where(Task.lead_id == lead.id))
    assert (task.kind, task.owner_user_id) == ("first_touch", rep.id)
    assert task.due_at == due_after_business_hours(now, current_policy(session).thresholds.sla_business_hours)
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.rcpt_to == "rep@example.com"))
    assert b"demo-request" in mail.raw and b"Sales-ready lead: Dana" in mail.raw
    assert utcnow() - posted < timedelta(seconds=5)


def test_a_pricing_visit_needs_a_reply_too(session, settings, person, editor):
    rep = person(Role.REP, "rep@example.com")
    fast_track(session, editor)
    lead = create_lead(session, validate_lead_input({"email": "pat@example.com"}), reason="test")
    now = utcnow()
    session.add(ActivityEvent(lead_id=lead.id, kind="page_visit", url="https://www.example.com/pricing", occurred_at=now - timedelta(minutes=5),
                              recorded_at=now - timedelta(seconds=1)))  # fmt: skip
    session.commit()
    assert evaluate_changed_leads(session, settings, now) == []  # a visit alone: 2 points, nothing
    session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="reply", occurred_at=now, recorded_at=now))
    session.commit()
    later = now + timedelta(seconds=1)
    [handoff] = evaluate_changed_leads(session, settings, later)
    session.refresh(lead)
    assert (handoff.stage, lead.owner_user_id, handoff.task.owner_user_id) == ("sql", rep.id, rep.id)
