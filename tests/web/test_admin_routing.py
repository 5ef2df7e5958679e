"""Admins set reps' weight, capacity, manager and away, and order territories; a rep sets their own away."""

from __future__ import annotations

from sqlalchemy import select

from nurture.models import Role, Territory
from tests.conftest import login


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_an_admin_edits_a_reps_routing_and_bad_input_is_shown_in_its_row(client, session, admin, make_account):
    rep = make_account(Role.REP, "rep@example.com").user
    boss = make_account(Role.MARKETER, "boss@example.com").user
    login(client, admin)
    token = csrf(client.get("/routing/").get_data(as_text=True))
    data = {"csrf_token": token, "routing_weight": "3", "capacity": "12", "manager_user_id": str(boss.id), "away": "on", "away_until": "2099-01-02"}
    assert client.post(f"/routing/reps/{rep.id}", data=data).status_code == 302
    session.refresh(rep)
    assert (rep.routing_weight, rep.capacity, rep.manager_user_id, rep.away, rep.away_until.isoformat()) == (
        3, 12, boss.id, True, "2099-01-02T00:00:00+00:00")
    page = client.get("/routing/").get_data(as_text=True)
    assert "away until 2099-01-02" in page

    bad = {**data, "routing_weight": "0", "capacity": "lots", "away_until": "someday", "manager_user_id": str(rep.id)}
    response = client.post(f"/routing/reps/{rep.id}", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("routing_weight", "capacity", "manager_user_id", "away_until"):
        assert f'id="{name}-error"' in page, name
    assert 'value="lots"' in page and 'value="someday"' in page
    session.refresh(rep)
    assert (rep.routing_weight, rep.capacity) == (3, 12)


def test_territories_are_created_edited_ordered_and_deleted(client, session, admin, make_account):
    anna = make_account(Role.REP, "anna@example.com").user
    login(client, admin)
    token = csrf(client.get("/routing/territories/new").get_data(as_text=True))
    response = client.post("/routing/territories/new", data={"csrf_token": token, "name": "", "countries": "Germany"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="Germany"' in page
    assert all(f'id="{name}-error"' in page for name in ("name", "countries", "rep_ids"))
    for name in ("DACH", "Nordics"):
        data = {"csrf_token": token, "name": name, "countries": "DE AT" if name == "DACH" else "SE, NO", "rep_ids": [str(anna.id)]}
        assert client.post("/routing/territories/new", data=data).status_code == 302
    dach, nordics = session.scalars(select(Territory).order_by(Territory.position)).all()
    assert dach.countries == ["AT", "DE"] and [r.email for r in dach.reps] == ["anna@example.com"]
    edit = {"csrf_token": token, "name": "DACH", "countries": "DE AT CH", "min_company_size": "100", "rep_ids": [str(anna.id)]}
    assert client.post(f"/routing/territories/{dach.id}", data=edit).status_code == 302
    client.post(f"/routing/territories/{nordics.id}/move", data={"csrf_token": token, "direction": "up"})
    page = client.get("/routing/").get_data(as_text=True).split('id="territories-heading"')[1]
    assert page.index("Nordics") < page.index("DACH") and "AT, CH, DE" in page and "100–" in page
    assert client.post(f"/routing/territories/{dach.id}/delete", data={"csrf_token": token}).status_code == 302
    assert [t.name for t in session.scalars(select(Territory))] == ["Nordics"]


def test_a_rep_sets_their_own_away_but_not_anyone_elses(client, session, make_account):
    me = make_account(Role.REP, "me@example.com")
    other = make_account(Role.REP, "other@example.com").user
    login(client, me)
    page = client.get("/routing/me").get_data(as_text=True)
    assert "You are <strong>available</strong>" in page and 'href="/routing/me"' in page  # in the navigation
    token = csrf(page)
    response = client.post("/routing/me", data={"csrf_token": token, "away": "on", "away_until": "2000-01-01"})
    assert response.status_code == 422 and 'id="away_until-error"' in response.get_data(as_text=True)
    assert client.post("/routing/me", data={"csrf_token": token, "away": "on", "away_until": ""}).status_code == 302
    session.refresh(me.user)
    assert me.user.away and me.user.away_until is None
    assert client.get("/routing/").status_code == 403
    assert client.post(f"/routing/reps/{other.id}", data={"csrf_token": token, "away": "on"}).status_code == 403
    session.refresh(other)
    assert other.away is False
