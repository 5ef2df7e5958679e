"""Opportunities → Pipeline and /api/v1/pipeline: everyone reads the stages; only admins change them (CSRF, per-field errors, audit)."""

from __future__ import annotations

from sqlalchemy import select

from nurture.models import DefinitionChange, PipelineStage, Role
from tests.conftest import bearer, login
from tests.sales import sales_lead

DEAL = {"name": "Acme deal", "amount": "12500.50", "currency": "EUR", "close_date": "2027-01-31"}


def _stages(session):
    session.expire_all()
    return {s.key: s for s in session.scalars(select(PipelineStage))}


def test_a_rep_reads_the_pipeline_and_cannot_change_it(client, session, make_account):
    login(client, make_account(Role.REP))
    assert 'href="/opportunities/pipeline/"' in client.get("/opportunities/").get_data(as_text=True)
    page = client.get("/opportunities/pipeline/").get_data(as_text=True)
    assert page.index("<code>qualification</code>") < page.index("<code>negotiation</code>") < page.index("<code>closed_lost</code>")
    assert "<td>Closed Won</td><td>100</td>" in page and "Only admins can change" in page and "Deactivate" not in page
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]  # the logout form's
    assert client.post("/opportunities/pipeline/", data={"csrf_token": token, "action": "up:proposal"}).status_code == 403
    assert _stages(session)["proposal"].position == 30


def test_an_admin_edits_with_errors_kept_per_field_and_csrf_required(client, session, admin):
    login(client, admin)
    page = client.get("/opportunities/pipeline/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/opportunities/pipeline/", data={"action": "add", "new.name": "Demo", "new.probability": "30"}).status_code == 400
    bad = client.post("/opportunities/pipeline/", data={"csrf_token": token, "action": "add", "new.name": "Demo", "new.probability": "high", "new.after": "discovery"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="new.probability-error"' in body and "A whole number from 0 to 100" in body
    assert 'value="high"' in body and 'value="discovery" selected' in body  # what was typed is kept
    added = client.post("/opportunities/pipeline/", data={"csrf_token": token, "action": "add", "new.name": "Demo", "new.probability": "30", "new.after": "discovery"})
    assert added.status_code == 302
    renamed = {"csrf_token": token, "action": "save:proposal", "stage.proposal.name": "Quote", "stage.proposal.probability": "55"}
    assert client.post("/opportunities/pipeline/", data=renamed).status_code == 302
    assert client.post("/opportunities/pipeline/", data={"csrf_token": token, "action": "up:demo"}).status_code == 302
    refused = client.post("/opportunities/pipeline/", data={"csrf_token": token, "action": "deactivate:closed_won"})
    assert refused.status_code == 422 and "the only active Closed Won stage" in refused.get_data(as_text=True)
    stages = _stages(session)
    assert (stages["proposal"].name, stages["proposal"].probability) == ("Quote", 55) and stages["closed_won"].active
    assert stages["qualification"].position < stages["demo"].position < stages["discovery"].position
    rows = [(c.key, c.action, c.actor_user_id) for c in session.scalars(select(DefinitionChange).order_by(DefinitionChange.id))]
    assert rows == [("demo", "added", admin.user.id), ("proposal", "changed", admin.user.id), ("demo", "moved", admin.user.id)]
    assert "30 → 30" not in client.get("/opportunities/pipeline/").get_data(as_text=True)


def test_the_api_lists_for_everyone_and_changes_for_admins_only(client, session, make_account, admin):
    rep = make_account(Role.MARKETER)
    listed = client.get("/api/v1/pipeline", headers=bearer(rep))
    assert listed.status_code == 200 and [s["key"] for s in listed.json["data"]][-2:] == ["closed_won", "closed_lost"]
    assert listed.json["data"][0] == {"key": "qualification", "name": "Qualification", "position": 10, "probability": 10,
                                      "outcome": "open", "active": True, "opportunity_count": 0}  # fmt: skip
    assert client.post("/api/v1/pipeline", json={"name": "Demo", "probability": 30}, headers=bearer(rep)).status_code == 403
    created = client.post("/api/v1/pipeline", json={"name": "Demo", "probability": 30, "after": "qualification"}, headers=bearer(admin))
    assert created.status_code == 201 and (created.json["key"], created.json["position"]) == ("demo", 20)
    assert client.put("/api/v1/pipeline/demo", json={"probability": 101, "key": "x"}, headers=bearer(admin)).json == {
        "errors": {"key": "Unknown or unchangeable field (keys and outcomes never change)"}}
    assert client.put("/api/v1/pipeline/demo", json={"probability": 101}, headers=bearer(admin)).json == {"errors": {"probability": "A whole number from 0 to 100"}}
    seller = make_account(Role.REP)
    deal = client.post("/api/v1/opportunities", json={**DEAL, "contact_lead_id": sales_lead(session, seller.user).id}, headers=bearer(seller)).json
    moved = client.patch(f"/api/v1/opportunities/{deal['id']}", json={"stage": "demo"}, headers=bearer(seller))  # the existing update
    assert moved.status_code == 200 and moved.json["stage"]["key"] == "demo"
    in_use = client.put("/api/v1/pipeline/demo", json={"active": False}, headers=bearer(admin))
    assert in_use.status_code == 422 and in_use.json == {"errors": {"active": "1 open deal(s) are in Demo: move them to another stage first"}}
    assert client.patch(f"/api/v1/opportunities/{deal['id']}", json={"stage": "proposal"}, headers=bearer(seller)).status_code == 200
    changed = client.put("/api/v1/pipeline/demo", json={"name": "Live demo", "move": "down", "active": False}, headers=bearer(admin))
    assert changed.status_code == 200 and (changed.json["name"], changed.json["active"]) == ("Live demo", False)
    assert client.put("/api/v1/pipeline/closed_lost", json={"active": False}, headers=bearer(admin)).status_code == 422
    assert client.put("/api/v1/pipeline/nope", json={"name": "X"}, headers=bearer(admin)).status_code == 404
    assert [c.action for c in session.scalars(select(DefinitionChange).order_by(DefinitionChange.id))] == ["added", "renamed", "moved", "deactivated"]
