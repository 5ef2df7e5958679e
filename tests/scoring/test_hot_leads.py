"""Hot leads: ranked by engagement now from stored snapshots, with the scoring code's own numbers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from nurture.db.base import utcnow
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent, LeadScoreSnapshot, LifecycleStage, Role
from nurture.scoring.hot_leads import HotFilters, hot_leads
from nurture.scoring.lead_score import score_lead
from nurture.scoring.rules import ScoringRules
from nurture.scoring.snapshot import save_snapshot
from tests.conftest import login

RULES = ScoringRules()


def _lead(session, email, **fields):
    return create_lead(session, validate_lead_input({"email": email, **fields}), reason="test")


def _clicks(session, lead, at, n=1):
    for i in range(n):
        session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{i}", occurred_at=at - timedelta(seconds=i)))
    session.flush()


def test_the_order_and_values_are_the_decayed_scores_now_without_rescoring_anyone(session):
    now = utcnow()
    # (clicks, days ago): each lead was last scored right after its last click, as the evaluation loop does.
    plan = {"old-burst@example.com": (8, 60), "recent@example.com": (2, 1), "month@example.com": (5, 30), "fresh@example.com": (1, 0)}
    leads = {}
    for email, (clicks, days) in plan.items():
        lead = leads[email] = _lead(session, email)
        at = now - timedelta(days=days)
        _clicks(session, lead, at, clicks)
        save_snapshot(session, lead.id, score_lead(session, lead, RULES, at + timedelta(seconds=1)), at + timedelta(seconds=1), RULES.half_life_days)
    session.commit()

    page = hot_leads(session, HotFilters(), now, RULES)
    exact = {email: score_lead(session, lead, RULES, now).engagement.score for email, lead in leads.items()}
    assert [h.lead.email for h in page.items] == sorted(exact, key=lambda e: -exact[e])
    assert {h.lead.email: h.engagement for h in page.items} == exact  # 40·¼=10, 10, 25·½≈12, 5
    assert page.total == 4 and page.items[0].label == "D-cold"


def test_the_evaluation_loop_keeps_snapshots_and_machine_clicks_rank_nobody(session, settings):
    now = utcnow()
    human, bot = _lead(session, "human@example.com"), _lead(session, "bot@example.com")
    _clicks(session, human, now - timedelta(minutes=5), 3)
    session.add(EmailEvent(send_id=1, lead_id=bot.id, kind="click", is_machine=True, occurred_at=now - timedelta(minutes=5)))
    session.commit()
    evaluate_changed_leads(session, settings, now + timedelta(seconds=1))  # past the leads' creation too
    snapshots = {s.lead_id: s for s in session.scalars(select(LeadScoreSnapshot))}
    assert snapshots[human.id].heat is not None and round(snapshots[human.id].engagement) == 15
    assert snapshots[bot.id].heat is None
    assert [h.lead.email for h in hot_leads(session, HotFilters(), now, RULES).items] == ["human@example.com"]


def test_filters_and_a_page_cost_two_queries_however_many_leads(session, database, make_account):
    now = utcnow()
    rep = make_account(Role.REP, "rep@example.com").user
    for n in range(30):
        lead = _lead(session, f"l{n}@example.com", lifecycle_stage="mql" if n % 3 == 0 else "lead")
        lead.owner_user_id = rep.id if n % 2 == 0 else None
        _clicks(session, lead, now - timedelta(hours=n), n % 5 + 1)
        save_snapshot(session, lead.id, score_lead(session, lead, RULES, now), now, RULES.half_life_days)
    session.commit()

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2]) if args[2].startswith("SELECT") else None  # noqa: E731
    event.listen(database.engine, "before_cursor_execute", listener)
    try:
        page = hot_leads(session, HotFilters(owner_user_id=rep.id, stage=LifecycleStage.MQL), now, RULES, page=1, per_page=3)
    finally:
        event.remove(database.engine, "before_cursor_execute", listener)
    assert len(statements) == 2  # a count and the page: no per-lead scoring
    assert page.total == 5 and len(page.items) == 3 and page.pages == 2
    assert all(h.lead.owner_user_id == rep.id and h.lead.lifecycle_stage == "mql" for h in page.items)
    engagement = [h.engagement for h in page.items]
    assert engagement == sorted(engagement, reverse=True)
    assert hot_leads(session, HotFilters(grade="A"), now, RULES).total == 0
    assert hot_leads(session, HotFilters(grade="D"), now, RULES).total == 30


def test_reps_see_only_their_own_hot_leads_and_bad_filters_are_named(app, session, make_account):
    now = utcnow()
    rep_account, other = make_account(Role.REP, "rep@example.com"), make_account(Role.REP, "other@example.com")
    for email, owner in (("mine@example.com", rep_account.user), ("theirs@example.com", other.user)):
        lead = _lead(session, email, first_name="<b>Bold</b>")
        lead.owner_user_id = owner.id
        _clicks(session, lead, now, 4)
        save_snapshot(session, lead.id, score_lead(session, lead, RULES, now), now, RULES.half_life_days)
    session.commit()

    client = app.test_client()
    login(client, rep_account)
    page = client.get(f"/hot-leads/?owner_user_id={other.user.id}").get_data(as_text=True)
    assert "mine@example.com" in page and "theirs@example.com" not in page
    assert "<b>Bold</b>" not in page and "&lt;b&gt;Bold&lt;/b&gt;" in page
    bad = client.get("/hot-leads/?grade=Z&stage=nope")
    assert bad.status_code == 400 and "One of A, B, C, D" in bad.get_data(as_text=True)

    marketer = app.test_client()
    login(marketer, make_account(Role.MARKETER))
    everyone = marketer.get("/hot-leads/").get_data(as_text=True)
    assert "mine@example.com" in everyone and "theirs@example.com" in everyone and "D-warm" in everyone  # 4 clicks: 20 points
