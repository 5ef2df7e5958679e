"""The opportunities, qualification and tasks API: close date required, no DELETE, roles (reps own, admins all, marketers read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from nurture.models import Opportunity, Role, Task
from tests.conftest import bearer
from tests.sales import sales_lead

DEAL = {"name": "Acme deal", "amount": "12500.50", "currency": "EUR", "close_date": "2027-01-31"}


def test_create_requires_a_close_date_and_there_is_no_delete(client, session, make_account):
    rep = make_account(Role.REP)
    lead = sales_lead(session, rep.user)
    missing = client.post("/api/v1/opportunities", json={**{k: v for k, v in DEAL.items() if k != "close_date"}, "contact_lead_id": lead.id}, headers=bearer(rep))
    assert missing.status_code == 422 and missing.json == {"errors": {"close_date": "Required field missing"}}
    null = client.post("/api/v1/opportunities", json={**DEAL, "close_date": None, "contact_lead_id": lead.id}, headers=bearer(rep))
    assert null.status_code == 422 and "close_date" in null.json["errors"]
    created = client.post("/api/v1/opportunities", json={**DEAL, "contact_lead_id": lead.id}, headers=bearer(rep))
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["amount"], body["stage"]["key"], body["owner_user_id"], body["campaign"]) == ("12500.50", "qualification", rep.user.id, "Q4 webinar")
    admin = make_account(Role.ADMIN)
    gone = client.delete(f"/api/v1/opportunities/{body['id']}", headers=bearer(admin))
    assert gone.status_code == 405 and "DELETE" not in gone.headers["Allow"]
    assert session.scalar(select(func.count()).select_from(Opportunity)) == 1


def test_patch_moves_stages_lost_needs_a_reason_and_the_history_shows(client, session, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    opp = client.post("/api/v1/opportunities", json={**DEAL, "contact_lead_id": sales_lead(session, rep.user).id}, headers=bearer(rep)).json
    url = f"/api/v1/opportunities/{opp['id']}"
    moved = client.patch(url, json={"stage": "proposal", "amount": 20000, "close_date": "2027-02-15"}, headers=bearer(rep))
    assert moved.status_code == 200 and (moved.json["stage"]["key"], moved.json["amount"]) == ("proposal", "20000.00")
    assert client.patch(url, json={"close_date": None}, headers=bearer(rep)).status_code == 422
    assert client.patch(url, json={"stage": "closed_lost"}, headers=bearer(rep)).json == {"errors": {"lost_reason": "Required to close a deal as lost"}}
    assert client.patch(url, json={"stage": "nowhere"}, headers=bearer(rep)).json == {"errors": {"stage": "No such stage in the pipeline"}}
    lost = client.patch(url, json={"stage": "closed_lost", "lost_reason": "Budget cut"}, headers=bearer(rep))
    assert lost.status_code == 200 and lost.json["closed_at"]
    history = client.get(url, headers=bearer(rep)).json["history"]
    assert [h["kind"] for h in history] == ["stage_changed", "updated", "stage_changed", "updated", "created"]
    assert history[1]["data"] == {"lost_reason": [None, "Budget cut"]}
    assert history[0]["data"] == {"stage": ["proposal", "closed_lost"]} and history[0]["actor"] == "rep@example.com"
    back = client.post("/api/v1/opportunities", json={**DEAL, "contact_lead_id": opp["contact_lead_id"], "previous_opportunity_id": opp["id"]}, headers=bearer(rep))
    assert back.status_code == 201 and back.json["previous_opportunity_id"] == opp["id"]


def test_roles_reps_own_admins_all_marketers_read(client, session, make_account):
    rep, other, marketer, admin = (make_account(Role.REP), make_account(Role.REP), make_account(Role.MARKETER), make_account(Role.ADMIN))
    lead = sales_lead(session, rep.user)
    assert client.post("/api/v1/opportunities", json={**DEAL, "contact_lead_id": lead.id}, headers=bearer(other)).status_code == 403
    assert client.post("/api/v1/opportunities", json={**DEAL, "contact_lead_id": lead.id}, headers=bearer(marketer)).status_code == 403
    opp = client.post("/api/v1/opportunities", json={**DEAL, "contact_lead_id": lead.id}, headers=bearer(admin)).json
    assert opp["owner_user_id"] == rep.user.id  # an admin creating for the lead's rep
    url = f"/api/v1/opportunities/{opp['id']}"
    assert client.patch(url, json={"stage": "discovery"}, headers=bearer(other)).status_code == 403
    assert client.patch(url, json={"stage": "discovery"}, headers=bearer(marketer)).status_code == 403
    assert client.get(url, headers=bearer(marketer)).status_code == 200
    assert client.patch(url, json={"stage": "discovery"}, headers=bearer(admin)).status_code == 200
    for path in (f"/api/v1/leads/{lead.id}/qualify", f"/api/v1/leads/{lead.id}/disqualify"):
        assert client.post(path, json={"reason": "junk"}, headers=bearer(other)).status_code == 403
        assert client.post(path, json={"reason": "junk"}, headers=bearer(marketer)).status_code == 403
    assert client.get("/api/v1/opportunities").status_code == 401


def test_list_filters(client, session, make_account):
    rep, admin = make_account(Role.REP), make_account(Role.ADMIN)
    ids = []
    for n, (close, stage) in enumerate([("2027-01-10", None), ("2027-03-10", "negotiation"), ("2027-02-10", None)]):
        lead = sales_lead(session, rep.user if n < 2 else admin.user, email=f"l{n}@acme.com")
        made = client.post("/api/v1/opportunities", json={**DEAL, "close_date": close, "contact_lead_id": lead.id}, headers=bearer(admin)).json
        if stage:
            client.patch(f"/api/v1/opportunities/{made['id']}", json={"stage": stage}, headers=bearer(admin))
        ids.append(made["id"])
    client.patch(f"/api/v1/opportunities/{ids[2]}", json={"stage": "closed_won"}, headers=bearer(admin))

    def listed(query: str) -> list[int]:
        response = client.get(f"/api/v1/opportunities?{query}", headers=bearer(rep))
        assert response.status_code == 200, response.json
        return [o["id"] for o in response.json["data"]]

    assert listed("") == [ids[0], ids[2], ids[1]]  # soonest close first
    assert listed(f"owner_user_id={rep.user.id}") == [ids[0], ids[1]]
    assert listed("stage=negotiation") == [ids[1]]
    assert listed("open=true") == [ids[0], ids[1]] and listed("open=false") == [ids[2]]
    assert listed("closing_before=2027-03-01") == [ids[0], ids[2]]
    bad = client.get("/api/v1/opportunities?closing_before=soon&colour=red", headers=bearer(rep))
    assert bad.status_code == 422 and bad.json["errors"] == {"colour": "Unknown filter"}


def test_qualify_and_disqualify_endpoints(client, session, make_account):
    rep = make_account(Role.REP)
    lead, other = sales_lead(session, rep.user), sales_lead(session, rep.user, email="b@acme.com")
    no_date = client.post(f"/api/v1/leads/{lead.id}/qualify", json={"amount": "10", "currency": "EUR"}, headers=bearer(rep))
    assert no_date.status_code == 422 and no_date.json["errors"] == {"close_date": "Required field missing"}
    ok = client.post(f"/api/v1/leads/{lead.id}/qualify", json={"budget": "yes", "amount": "10", "currency": "EUR", "close_date": "2027-01-01"}, headers=bearer(rep))
    assert ok.status_code == 201, ok.json
    assert (ok.json["lead"]["lifecycle_stage"], ok.json["lead"]["lead_status"], ok.json["opportunity"]["name"]) == ("opportunity", "qualified", "acme.com deal")  # named after the company
    bad = client.post(f"/api/v1/leads/{other.id}/disqualify", json={"reason": "bad_timing"}, headers=bearer(rep))
    assert bad.status_code == 422 and "resurface_on" in bad.json["errors"]
    later = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    done = client.post(f"/api/v1/leads/{other.id}/disqualify", json={"reason": "bad_timing", "resurface_on": later, "note": "Call in spring"}, headers=bearer(rep))
    assert done.status_code == 200, done.json
    assert (done.json["lead"]["lead_status"], done.json["lead"]["owner_team"], done.json["lead"]["owner"]) == ("bad_timing", "marketing", None)
    assert done.json["disqualification"]["resurface_on"] == later
    # Back with marketing: the rep no longer owns it, so cannot disqualify it again.
    assert client.post(f"/api/v1/leads/{other.id}/disqualify", json={"reason": "junk"}, headers=bearer(rep)).status_code == 403
    kinds = [e["kind"] for e in client.get(f"/api/v1/leads/{other.id}/events", headers=bearer(rep)).json["data"]]
    assert {"disqualified", "status_changed", "recycled", "owner_changed"} <= set(kinds)


def test_tasks_list_create_and_complete_calls(client, session, make_account):
    rep, other, marketer = make_account(Role.REP), make_account(Role.REP), make_account(Role.MARKETER)
    lead = sales_lead(session, rep.user)
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    call = client.post("/api/v1/tasks", json={"lead_id": lead.id, "kind": "call", "title": "Discovery call", "due_at": past}, headers=bearer(rep))
    assert call.status_code == 201, call.json
    later = client.post("/api/v1/tasks", json={"lead_id": lead.id, "kind": "email", "title": "Send deck",
                                               "due_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, headers=bearer(rep))  # fmt: skip
    assert later.status_code == 201
    assert client.post("/api/v1/tasks", json={"lead_id": lead.id, "title": "Mine now"}, headers=bearer(other)).json["errors"] == {"lead_id": "Reps create tasks on their own leads"}
    assert client.post("/api/v1/tasks", json={"lead_id": lead.id, "kind": "fax", "title": ""}, headers=bearer(rep)).json["errors"].keys() == {"kind", "title"}

    def listed(account, query=""):
        response = client.get(f"/api/v1/tasks?{query}", headers=bearer(account))
        assert response.status_code == 200, response.json
        return [t["title"] for t in response.json["data"]]

    assert listed(rep) == ["Discovery call", "Send deck"]
    assert listed(rep, "overdue=true") == ["Discovery call"] and listed(rep, "kind=email") == ["Send deck"]
    assert listed(rep, f"lead_id={lead.id}&due_before={datetime.now(UTC).isoformat().replace('+', '%2B')}") == ["Discovery call"]
    assert listed(other) == []
    assert client.get("/api/v1/tasks?owner=all", headers=bearer(other)).status_code == 422
    assert listed(marketer, "owner=all") == ["Discovery call", "Send deck"]

    url = f"/api/v1/tasks/{call.json['id']}/complete"
    assert client.post(url, json={"outcome": "great"}, headers=bearer(rep)).json["errors"]["outcome"].startswith("One of connected")
    assert client.post(url, json={"outcome": "connected"}, headers=bearer(other)).status_code == 403
    done = client.post(url, json={"outcome": "connected", "notes": "Wants a demo\nnext week"}, headers=bearer(rep))
    assert done.status_code == 200 and (done.json["outcome"], done.json["notes"]) == ("connected", "Wants a demo\nnext week")
    assert client.post(url, json={"outcome": "connected"}, headers=bearer(rep)).json["errors"] == {"task": "Already completed"}
    assert listed(rep) == ["Send deck"] and listed(rep, "status=completed") == ["Discovery call"]
    events = client.get(f"/api/v1/leads/{lead.id}/events", headers=bearer(rep)).json["data"]
    assert events[0]["kind"] == "status_changed" and events[0]["data"] == {"lead_status": ["new", "connected"]}
    assert events[1]["kind"] == "task_completed" and events[1]["data"]["notes"] == "Wants a demo\nnext week"
    assert session.scalar(select(func.count()).select_from(Task)) == 2
