"""The stuck report: each category finds what nobody moves on, and the sweep tasks each owner once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.handoff.first_touch import open_first_touch
from nurture.models import LeadEvent, PipelineStage, Role, Task, User
from nurture.qualification.disqualify import disqualify
from nurture.qualification.inputs import validate_disqualify_input
from nurture.reports.source_shares import source_shares
from nurture.reports.stuck.items import StuckContext
from nurture.reports.stuck.report import stuck_report
from nurture.reports.stuck.tasks import task_stuck_items
from nurture.users.tokens import create_token
from tests.conftest import bearer, login
from tests.sales import opportunity, sales_lead


def _rep(session, email="rep@example.com"):
    """A rep without a password (hashing one costs more than these tests)."""
    rep = User(email=email, role=Role.REP, password_hash="!")
    session.add(rep)
    session.commit()
    return rep


def _stuck_tasks(session):
    return list(session.scalars(select(Task).where(Task.dedupe_key.is_not(None)).order_by(Task.id)))


def _items(session, now, category, days=14):
    report = stuck_report(session, StuckContext(now, days))
    return next(items for c, items in report.sections if c.key == category)


def test_an_overdue_open_opportunity_creates_one_task_for_its_owner(session):
    rep = _rep(session)
    now = utcnow()
    overdue = opportunity(session, sales_lead(session, rep, "late@acme.com"), rep, now, close_date=date.today() - timedelta(days=3))
    opportunity(session, sales_lead(session, rep, "future@acme.com"), rep, now, close_date=date.today() + timedelta(days=3))
    won = opportunity(session, sales_lead(session, rep, "won@acme.com"), rep, now, close_date=date.today() - timedelta(days=9))
    won.stage_id = session.scalar(select(PipelineStage.id).where(PipelineStage.key == "closed_won"))
    session.commit()

    [item] = _items(session, now, "overdue_opportunity")
    assert (item.opportunity_id, item.owner_email, item.age_days(now)) == (overdue.id, "rep@example.com", 3)
    assert (item.source, item.campaign) == ("webinar", "Q4 webinar")

    context = StuckContext(now, 14)
    assert task_stuck_items(session, context) == 1
    assert task_stuck_items(session, context) == 0  # the second sweep adds nothing
    [task] = _stuck_tasks(session)
    assert (task.owner_user_id, task.lead_id, task.completed_at) == (rep.id, overdue.contact_lead_id, None)
    assert "close date" in task.title and task.dedupe_key == f"overdue_opportunity:{overdue.id}:{overdue.close_date:%Y-%m-%d}"
    assert session.scalar(select(LeadEvent.reason).where(LeadEvent.kind == "task_created", LeadEvent.lead_id == task.lead_id))

    # Moved to a new date and missed again: a new situation, a new task.
    overdue.close_date = date.today() - timedelta(days=1)
    session.commit()
    assert task_stuck_items(session, context) == 1 and len(_stuck_tasks(session)) == 2


def test_an_sql_left_without_outcome_for_n_days_tasks_its_owner_once(session):
    rep = _rep(session)
    now = utcnow()
    old, fresh = sales_lead(session, rep, "old@acme.com"), sales_lead(session, rep, "fresh@acme.com")
    old.created_at, old.stage_entered_at = now - timedelta(days=30), now - timedelta(days=20)  # handed over 20 days ago
    session.commit()

    [item] = _items(session, now, "sql_without_outcome")
    assert (item.lead_id, item.owner_email, item.age_days(now)) == (old.id, "rep@example.com", 20)
    assert {i.lead_id for i in _items(session, utcnow(), "sql_without_outcome", days=0)} == {old.id, fresh.id}
    assert task_stuck_items(session, StuckContext(now, 14)) == 1
    assert task_stuck_items(session, StuckContext(now, 14)) == 0
    [task] = _stuck_tasks(session)
    assert (task.owner_user_id, task.lead_id) == (rep.id, old.id)

    # Disqualified: it is no longer an SQL, so no longer stuck.
    disqualify(session, old, validate_disqualify_input({"reason": "no_need"}, now.date()), actor=rep, now=now)
    session.commit()
    assert _items(session, now, "sql_without_outcome") == []


def test_a_sales_ready_lead_past_its_first_touch_sla_is_listed_and_left_to_escalation(session, settings):
    rep = _rep(session)
    now = utcnow()
    lead = sales_lead(session, rep, "waiting@acme.com")
    open_first_touch(session, settings, lead, rep, now - timedelta(days=3), 24, "handoff")
    session.commit()
    [item] = _items(session, now, "first_touch_overdue")
    assert (item.lead_id, item.owner_email, item.age_days(now)) == (lead.id, "rep@example.com", 3)
    assert task_stuck_items(session, StuckContext(now, 14)) == 0  # the SLA sweep escalates these


def test_per_source_shares_say_what_sales_got_and_kept(session):
    rep = _rep(session)
    now = utcnow()
    kept, rejected, late = (sales_lead(session, rep, f"{n}@acme.com") for n in ("kept", "rejected", "late"))
    sales_lead(session, None, "early@acme.com", lifecycle_stage="lead", owner_team="marketing")
    disqualify(session, rejected, validate_disqualify_input({"reason": "junk"}, now.date()), actor=rep, now=now)
    when = (now + timedelta(days=90)).date().isoformat()
    disqualify(session, late, validate_disqualify_input({"reason": "bad_timing", "resurface_on": when}, now.date()), actor=rep, now=now)
    session.commit()
    [webinar], [campaign] = source_shares(session, None, None)
    assert (webinar.volume, webinar.sales_ready, webinar.accepted) == (4, 3, 2)
    assert (webinar.sales_ready_share, webinar.accepted_share) == (0.75, 0.6667)
    assert campaign.campaign == "Q4 webinar" and kept.id


def test_the_stuck_report_api_page_and_csv(client, session, make_account):
    admin, rep = make_account(Role.ADMIN), _rep(session)
    marketer, rep_token = create_token(session, _rep(session, "m@example.com")), create_token(session, rep)
    session.scalar(select(User).where(User.email == "m@example.com")).role = Role.MARKETER
    session.commit()
    now = utcnow()
    opportunity(session, sales_lead(session, rep, "late@acme.com"), rep, now, close_date=date.today() - timedelta(days=2))

    body = client.get("/api/v1/reports/stuck", headers=_bearer(marketer)).json
    overdue = next(c for c in body["categories"] if c["key"] == "overdue_opportunity")
    assert overdue["count"] == 1 and overdue["items"][0]["owner_email"] == "rep@example.com" and overdue["items"][0]["age_days"] == 2
    assert body["by_source"][0]["volume"] == 1 and body["sql_outcome_days"] == 14
    csv_text = client.get("/api/v1/reports/stuck?format=csv", headers=bearer(admin)).get_data(as_text=True)
    assert csv_text.splitlines()[1].startswith("overdue_opportunity,")
    assert client.get("/api/v1/reports/stuck", headers=_bearer(rep_token)).status_code == 403
    assert client.get("/api/v1/reports/stuck?format=xml", headers=bearer(admin)).json == {"errors": {"format": "json or csv"}}

    login(client, admin)
    page = client.get("/reports/stuck/").get_data(as_text=True)
    assert "Open opportunities past their close date" in page and "late@acme.com" not in page.split("Sales-ready leads")[0]
    assert "rep@example.com" in page and "Q4 webinar" in page


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_scheduler_runs_the_stuck_sweep():
    from workers.scheduler import periodic_tasks

    assert "task_stuck_items" in [task.name for task in periodic_tasks()]


def test_the_report_costs_the_same_queries_for_one_stuck_deal_or_many(session, database):
    from sqlalchemy import event

    rep, now = _rep(session), utcnow()
    past = date.today() - timedelta(days=5)

    def statements() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(database.engine, "before_cursor_execute", listener)
        try:
            report = stuck_report(session, StuckContext(now, 0))
        finally:
            event.remove(database.engine, "before_cursor_execute", listener)
        assert sum(len(items) for _c, items in report.sections) > 0
        return len(seen)

    opportunity(session, sales_lead(session, rep, "one@acme.com"), rep, now, close_date=past)
    one = statements()
    for n in range(6):
        opportunity(session, sales_lead(session, rep, f"l{n}@acme.com", source_detail=f"campaign {n}"), rep, now, close_date=past)
    assert statements() == one


def test_a_lead_beyond_its_stages_maximum_age_is_flagged_and_tasks_its_owner_once(session):
    from nurture.models import Stage

    rep, now = _rep(session), utcnow()
    session.scalar(select(Stage).where(Stage.key == "mql")).max_age_days = 10
    stale = sales_lead(session, rep, "stale@acme.com", lifecycle_stage="mql")
    fresh = sales_lead(session, rep, "fresh@acme.com", lifecycle_stage="mql")
    old_sql = sales_lead(session, rep, "old-sql@acme.com")  # SQL has no maximum age
    stale.stage_entered_at, fresh.stage_entered_at = now - timedelta(days=12), now - timedelta(days=3)
    old_sql.stage_entered_at = now - timedelta(days=40)
    session.commit()

    [item] = _items(session, now, "stage_age")
    assert (item.lead_id, item.owner_email, item.age_days(now)) == (stale.id, "rep@example.com", 12)
    assert "beyond its maximum age of 10 days" in item.detail

    context = StuckContext(now, 14)
    created = task_stuck_items(session, context)
    assert task_stuck_items(session, context) == 0  # once per stay in the stage
    tasks = [t for t in _stuck_tasks(session) if t.dedupe_key.startswith("stage_age:")]
    assert created >= 1 and [(t.lead_id, t.owner_user_id) for t in tasks] == [(stale.id, rep.id)]
    assert "more than 10 days" in tasks[0].title
