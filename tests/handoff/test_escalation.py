"""A first touch not done in time escalates once: the manager is emailed, the timeline says so, and (if set)
the lead goes to the next rep with a new task. The clock is driven; mail goes to a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from nurture.handoff.escalation import due_breaches, escalate_breaches
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.handoff.policy import save_policy
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent, LeadEvent, Role, Task

NOW = datetime(2026, 11, 18, 9, tzinfo=UTC)  # a Wednesday: 24 business hours later is Thursday 09:00
DUE = datetime(2026, 11, 19, 9, tzinfo=UTC)


@pytest.fixture
def mail_settings(settings, smtp_sink):
    return settings.with_(smtp_url=smtp_sink.url)


def _handed_off(session, settings, email="hot@example.com"):
    lead = create_lead(session, validate_lead_input({"email": email, "first_name": "Hot"}), reason="test")
    for n in range(11):
        session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{n}", occurred_at=NOW - timedelta(minutes=n + 1), recorded_at=NOW - timedelta(minutes=n + 1)))
    session.commit()
    [promotion] = evaluate_changed_leads(session, settings, NOW)
    assert promotion.task.due_at == DUE
    return lead, promotion.task


def _events(session, lead, kind):
    return list(session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == kind).order_by(LeadEvent.id)))


def test_a_missed_first_touch_emails_the_manager_once_and_says_so_on_the_timeline(session, mail_settings, smtp_sink, make_account):
    boss = make_account(Role.ADMIN, "boss@example.com").user
    rep = make_account(Role.REP, "rep@example.com").user
    rep.manager_user_id = boss.id
    session.commit()
    lead, task = _handed_off(session, mail_settings)
    smtp_sink.received.clear()  # the handoff notice to the rep

    assert escalate_breaches(session, mail_settings, DUE - timedelta(seconds=1)) == 0
    assert escalate_breaches(session, mail_settings, DUE + timedelta(minutes=90)) == 1
    [mail] = smtp_sink.received
    assert mail.rcpt_tos == ["boss@example.com"] and mail.message["Subject"] == "Missed first touch: Hot"
    body = mail.message.get_content()
    assert "rep@example.com" in body and "2026-11-19 09:00 UTC" in body and "1 h 30 min late" in body
    [breach] = _events(session, lead, "sla_breached")
    assert "escalated to boss@example.com" in breach.reason and breach.data["task_id"] == task.id
    session.refresh(task)
    assert task.escalated_at == DUE + timedelta(minutes=90) and task.completed_at is None

    assert escalate_breaches(session, mail_settings, DUE + timedelta(days=3)) == 0  # once
    assert len(smtp_sink.received) == 1 and len(_events(session, lead, "sla_breached")) == 1


def test_without_a_manager_the_escalation_address_hears_and_done_tasks_never_escalate(session, mail_settings, smtp_sink, make_account, admin):
    make_account(Role.REP, "rep@example.com")
    save_policy(session, {}, {"escalation_email": "Sales-Ops@Example.com"}, admin.user, NOW)
    session.commit()
    lead, task = _handed_off(session, mail_settings)
    done_lead, done_task = _handed_off(session, mail_settings, "done@example.com")
    done_task.completed_at = DUE - timedelta(hours=1)
    session.commit()
    smtp_sink.received.clear()
    assert escalate_breaches(session, mail_settings, DUE + timedelta(hours=1)) == 1
    assert [m.rcpt_tos for m in smtp_sink.received] == [["sales-ops@example.com"]]
    assert _events(session, done_lead, "sla_breached") == []


def test_with_nobody_to_tell_the_breach_is_still_recorded(session, settings, make_account):
    make_account(Role.REP, "rep@example.com")
    lead, _task = _handed_off(session, settings)
    assert escalate_breaches(session, settings, DUE) == 1
    [breach] = _events(session, lead, "sla_breached")
    assert "nobody (no manager and no escalation address)" in breach.reason


def test_reassignment_on_breach_gives_the_next_rep_the_lead_and_a_new_task(session, mail_settings, smtp_sink, make_account, admin):
    first = make_account(Role.REP, "first@example.com").user
    second = make_account(Role.REP, "second@example.com").user
    second.routing_weight = 1
    session.commit()
    save_policy(session, {}, {"reassign_on_breach": True, "escalation_email": "ops@example.com"}, admin.user, NOW)
    session.commit()
    lead, task = _handed_off(session, mail_settings)
    assert lead.owner_user_id == first.id
    smtp_sink.received.clear()
    later = DUE + timedelta(hours=2)
    assert escalate_breaches(session, mail_settings, later) == 1
    session.refresh(lead)
    assert lead.owner_user_id == second.id
    session.refresh(task)
    assert task.completed_at == later and "second@example.com" in task.outcome
    new_task = session.scalar(select(Task).where(Task.id != task.id))
    assert (new_task.owner_user_id, new_task.kind, new_task.due_at) == (second.id, "first_touch", later + timedelta(hours=24))
    owners = _events(session, lead, "owner_changed")
    assert "first@example.com → second@example.com" in owners[-1].reason
    assert "reassigned to second@example.com" in _events(session, lead, "sla_breached")[0].reason
    assert sorted(r for m in smtp_sink.received for r in m.rcpt_tos) == ["ops@example.com", "second@example.com"]
    assert due_breaches(session, later + timedelta(days=1, hours=1)) == [new_task]  # the new task has its own deadline


def test_the_sweep_uses_the_partial_index(session, database):
    query = select(Task.id).where(Task.kind == "first_touch", Task.completed_at.is_(None), Task.escalated_at.is_(None),
                                  Task.due_at <= NOW).order_by(Task.due_at, Task.id).limit(100)  # fmt: skip
    compiled = str(query.compile(session.bind, compile_kwargs={"literal_binds": True}))
    if database.backend == "sqlite":
        plan = " ".join(str(row) for row in session.execute(text("EXPLAIN QUERY PLAN " + compiled)))
    else:
        session.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table would be scanned anyway
        plan = " ".join(str(row) for row in session.execute(text("EXPLAIN " + compiled)))
    assert "ix_tasks_unescalated_due" in plan


def test_the_scheduler_runs_the_sweep(session, session_factory, settings, make_account):
    from workers import context
    from workers.handoff_jobs import run_escalate_breaches
    from workers.scheduler import periodic_tasks

    assert "escalate_sla_breaches" in [t.name for t in periodic_tasks()]
    make_account(Role.REP, "rep@example.com")
    lead = create_lead(session, validate_lead_input({"email": "late@example.com"}), reason="test")
    session.add(Task(lead_id=lead.id, kind="first_touch", title="t", due_at=datetime.now(UTC) - timedelta(hours=1), created_at=NOW))
    session.commit()
    context.configure(settings, session_factory)
    assert run_escalate_breaches(settings, None) == 1
    assert run_escalate_breaches(settings, None) == 0
    assert len(_events(session, lead, "sla_breached")) == 1


def test_two_sweeps_that_saw_the_same_breach_escalate_it_once(session, session_factory, settings, make_account):
    from nurture.handoff.escalation import escalate
    from nurture.handoff.thresholds import Thresholds

    make_account(Role.REP, "rep@example.com")
    lead, task = _handed_off(session, settings)
    with session_factory() as other:
        [seen] = due_breaches(other, DUE)  # the second sweep read the breach too…
        assert escalate(session, settings, task, DUE, Thresholds()) is True
        session.commit()
        assert escalate(other, settings, seen, DUE, Thresholds()) is False  # …but the claim is conditional
        other.commit()
    assert len(_events(session, lead, "sla_breached")) == 1
