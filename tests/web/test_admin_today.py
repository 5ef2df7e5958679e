"""Today: a rep's open tasks due today or overdue, ordered by due time then engagement, completed in one click."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from nurture.db.base import utcnow
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent, LeadEvent, Role, Task
from nurture.scoring.lead_score import score_lead
from nurture.scoring.rules import ScoringRules
from nurture.scoring.snapshot import save_snapshot
from nurture.tasks.today import end_of_day, today_tasks
from tests.conftest import login

RULES = ScoringRules()


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _lead(session, email, owner, clicks=0, snapshot=True, **fields):
    lead = create_lead(session, validate_lead_input({"email": email, **fields}), reason="test")
    lead.owner_user_id = owner.id
    now = utcnow()
    for i in range(clicks):
        session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{i}", occurred_at=now - timedelta(minutes=i + 1)))
    session.flush()
    if snapshot:
        save_snapshot(session, lead.id, score_lead(session, lead, RULES, now), now, RULES.half_life_days)
    return lead


def _task(session, lead, owner, title, due_at, kind="call", completed=False):
    task = Task(lead_id=lead.id, owner_user_id=owner.id, kind=kind, title=title, due_at=due_at,
                completed_at=utcnow() if completed else None)  # fmt: skip
    session.add(task)
    session.flush()
    return task


def _row(page, task):
    return page.split(f'id="task-{task.id}"')[1].split("</tr>")[0]


def test_overdue_first_by_due_time_then_the_more_engaged_lead_with_each_leads_context(client, session, make_account):
    rep, other = make_account(Role.REP, "rep@example.com"), make_account(Role.REP, "other@example.com")
    now = utcnow()
    hot = _lead(session, "hot@example.com", rep.user, clicks=3, first_name="Hattie", title="CTO", company="Acme")
    cold = _lead(session, "cold@example.com", rep.user, clicks=1)
    unscored = _lead(session, "new@example.com", rep.user, snapshot=False)
    tie = now - timedelta(hours=1)
    _task(session, cold, rep.user, "Tie on the cold lead", tie)
    chore = _task(session, unscored, rep.user, "Tie on the unscored lead", tie, kind="email")
    call = _task(session, hot, rep.user, "Tie on the hot lead", tie)
    _task(session, cold, rep.user, "Oldest", now - timedelta(days=2))
    _task(session, hot, rep.user, "Next week", now + timedelta(days=7))
    _task(session, hot, rep.user, "Already done", now - timedelta(days=3), completed=True)
    _task(session, _lead(session, "theirs@example.com", other.user), other.user, "Someone else's", now - timedelta(days=5))
    session.commit()

    login(client, rep)
    page = client.get("/today/").get_data(as_text=True)
    order = ["Oldest", "Tie on the hot lead", "Tie on the cold lead", "Tie on the unscored lead"]
    positions = [page.index(title) for title in order]
    assert positions == sorted(positions)
    assert all(title not in page for title in ("Next week", "Already done", "Someone else's"))
    assert page.count('class="overdue"') == 4 and page.count("Overdue</span>") == 4
    hot_row = _row(page, call)
    assert "Hattie" in hot_row and "CTO" in hot_row and "Acme" in hot_row and "D-cold" in hot_row and "New" in hot_row
    assert hot_row.count("click of email 1") == 3  # the top three contributions
    assert 'name="outcome"' in hot_row and "connected" in hot_row and "Voicemail" in hot_row
    unscored_row = _row(page, chore)
    assert 'name="outcome"' not in unscored_row and ">Done</button>" in unscored_row


def test_a_task_due_later_today_is_listed_and_tomorrows_is_not(session, make_account):
    rep = make_account(Role.REP, "rep@example.com").user
    noon = datetime(2030, 5, 6, 12, tzinfo=UTC)
    lead = _lead(session, "lead@example.com", rep, snapshot=False)
    _task(session, lead, rep, "Tonight", datetime(2030, 5, 6, 23, 59, tzinfo=UTC))
    _task(session, lead, rep, "Tomorrow", datetime(2030, 5, 7, 0, 0, tzinfo=UTC))
    session.commit()
    assert end_of_day(noon) == datetime(2030, 5, 7, tzinfo=UTC)
    rows = today_tasks(session, rep.id, noon, RULES).items
    assert [(r.task.title, r.overdue) for r in rows] == [("Tonight", False)]


def test_the_page_costs_the_same_queries_for_one_task_or_many(client, session, database, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    now = utcnow()
    _task(session, _lead(session, "first@example.com", rep.user, clicks=1), rep.user, "First", now - timedelta(hours=1))
    session.commit()
    login(client, rep)

    def statements() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(database.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/today/").status_code == 200
        finally:
            event.remove(database.engine, "before_cursor_execute", listener)
        return len(seen)

    one = statements()
    for n in range(12):
        lead = _lead(session, f"l{n}@example.com", rep.user, clicks=n % 3, company=f"Company {n}")
        session.add(LeadEvent(lead_id=lead.id, kind="score_adjusted", reason="webinar", data={"points": 5}))
        _task(session, lead, rep.user, f"Task {n}", now - timedelta(minutes=n))
    session.commit()
    many = statements()
    # 12: one query reads the stage names (Admin → Definitions), one the status labels (admin-edited data).
    assert many == one and one <= 12, (one, many)


def test_completing_a_call_with_an_outcome_updates_the_task_and_the_timeline_as_the_api_does(client, session, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    lead = _lead(session, "lead@example.com", rep.user)
    call = _task(session, lead, rep.user, "Discovery call", utcnow() - timedelta(hours=1))
    chore = _task(session, lead, rep.user, "Send deck", utcnow() - timedelta(hours=1), kind="email")
    session.commit()
    login(client, rep)
    token = csrf(client.get("/today/").get_data(as_text=True))
    url = f"/today/tasks/{call.id}/complete"

    response = client.post(url, data={"csrf_token": token, "outcome": "", "notes": "Kept <notes>"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="outcome-{call.id}-error"' in page and "Kept &lt;notes&gt;</textarea>" in page
    assert client.post(url, data={"outcome": "connected"}).status_code == 400  # no CSRF token
    session.refresh(call)
    assert call.completed_at is None

    response = client.post(url, data={"csrf_token": token, "outcome": "connected", "notes": "Wants a demo"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Done: &#39;Discovery call&#39;: connected." in page
    assert f'id="task-{call.id}"' not in page and f'id="task-{chore.id}"' in page
    session.refresh(call)
    session.refresh(lead)
    assert (call.outcome, call.notes, call.completed_at is not None) == ("connected", "Wants a demo", True)
    assert lead.lead_status == "connected"
    events = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id)).all()
    assert [e.kind for e in events][-2:] == ["task_completed", "status_changed"]
    assert events[-2].data == {"task_id": call.id, "outcome": "connected", "notes": "Wants a demo"}

    assert client.post(f"/today/tasks/{chore.id}/complete", data={"csrf_token": token}).status_code == 302
    session.refresh(chore)
    assert chore.completed_at is not None and chore.outcome is None
    assert client.post(f"/today/tasks/{chore.id}/complete", data={"csrf_token": token}).status_code == 422  # already completed


def test_only_the_owner_or_an_admin_completes_and_marketers_only_look(client, session, admin, make_account):
    rep, other, marketer = make_account(Role.REP, "rep@example.com"), make_account(Role.REP, "other@example.com"), make_account(Role.MARKETER)
    lead = _lead(session, "lead@example.com", rep.user)
    call = _task(session, lead, rep.user, "Discovery call", utcnow() - timedelta(hours=1))
    session.commit()
    url = f"/today/tasks/{call.id}/complete"
    data = {"outcome": "voicemail"}

    for account in (other, marketer):
        login(client, account)
        data["csrf_token"] = csrf(client.get("/today/").get_data(as_text=True))
        assert client.post(url, data=data).status_code == 403
        client.post("/logout", data={"csrf_token": data["csrf_token"]})

    login(client, other)
    assert client.get(f"/today/?rep={rep.user.id}").status_code == 403
    client.post("/logout", data={"csrf_token": data["csrf_token"]})
    login(client, marketer)
    page = client.get(f"/today/?rep={rep.user.id}").get_data(as_text=True)
    assert "Discovery call" in page and "Log call" not in page and 'method="post" action="/today' not in page
    client.post("/logout", data={"csrf_token": data["csrf_token"]})
    session.refresh(call)
    assert call.completed_at is None

    login(client, admin)
    token = csrf(client.get(f"/today/?rep={rep.user.id}").get_data(as_text=True))
    assert client.get("/today/?rep=999999").status_code == 404
    assert client.post("/today/tasks/999999/complete", data={**data, "csrf_token": token}).status_code == 404
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/today/?rep={rep.user.id}")
    session.refresh(call)
    assert call.outcome == "voicemail"


def test_a_rep_lands_on_today_and_an_empty_day_says_what_to_do_next(client, session, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    page = client.get("/login")
    response = client.post("/login", data={"email": "rep@example.com", "password": rep.password, "csrf_token": csrf(page.get_data(as_text=True))})
    assert response.status_code == 302 and response.headers["Location"].endswith("/today/")
    page = client.get("/today/").get_data(as_text=True)
    assert "Nothing due today." in page and "hot leads" in page
    nav = page.split("<nav")[1].split("</nav>")[0]
    assert nav.index("Today") < nav.index("Leads")


def test_a_long_day_comes_a_page_at_a_time_in_due_order(client, session, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    lead = _lead(session, "lead@example.com", rep.user, snapshot=False)
    now = utcnow()
    for n in range(53):
        _task(session, lead, rep.user, f"Task {n:02d}", now - timedelta(hours=60 - n))
    session.commit()
    login(client, rep)
    first = client.get("/today/").get_data(as_text=True)
    assert first.count('id="task-') == 50 and "Task 00" in first and "Task 49" in first and "Task 50" not in first
    assert "Page 1 of 2 · 53 in all" in first
    second = client.get("/today/?page=2").get_data(as_text=True)
    assert second.count('id="task-') == 3 and "Task 52" in second and "Task 49" not in second
    assert client.get("/today/?page=nonsense").status_code == 200  # a bad page number shows the first page
