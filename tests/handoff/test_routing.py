"""Territories route a sales-ready lead to their reps, in order, with a fallback; away reps come back by themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nurture.errors import ValidationError
from nurture.handoff.routing import choose_rep, route_lead
from nurture.handoff.territories import list_territories, move_territory, save_territory
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import Role, User
from nurture.users.availability import set_away

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)


@pytest.fixture
def reps(session):
    # Routing needs no login: rows without a real password hash keep these tests fast.
    people = {name: User(email=f"{name}@example.com", role=Role.REP, password_hash="!") for name in ("anna", "ben", "carla", "dirk")}
    session.add_all(people.values())
    session.commit()
    return people


def _lead(session, email, country=None, size=None):
    data = {"email": email, "country": country}
    if size is not None:
        data["company_size"] = size
    lead = create_lead(session, validate_lead_input({k: v for k, v in data.items() if v is not None}), reason="test")
    session.commit()
    return lead


def test_the_first_matching_territory_routes_and_others_fall_back_to_all_reps(session, reps):
    save_territory(session, None, {"name": "DACH enterprise", "countries": "de, AT ch", "min_company_size": "1000",
                                   "rep_ids": [reps["anna"].id]})  # fmt: skip
    save_territory(session, None, {"name": "DACH", "countries": ["DE", "AT", "CH"], "rep_ids": [reps["ben"].id, reps["carla"].id]})
    save_territory(session, None, {"name": "Small anywhere", "max_company_size": "50", "rep_ids": [reps["dirk"].id]})
    session.commit()
    big_german = _lead(session, "a@big.de", "DE", 5000)
    small_austrian = _lead(session, "b@small.at", "AT", 20)
    small_french = _lead(session, "c@small.fr", "FR", 20)
    unknown = _lead(session, "d@example.com")
    assert route_lead(session, big_german, NOW).rep.email == "anna@example.com"
    route = route_lead(session, small_austrian, NOW)  # DACH comes before "Small anywhere"
    assert route.rep.email in ("ben@example.com", "carla@example.com") and route.why == "territory DACH"
    assert route_lead(session, small_french, NOW).rep.email == "dirk@example.com"
    fallback = route_lead(session, unknown, NOW)
    assert fallback.rep is not None and fallback.why == "no territory matched; all reps"

    move_territory(session, list_territories(session)[2], -1)  # "Small anywhere" before "DACH" now
    move_territory(session, list_territories(session)[1], -1)  # …and first
    session.commit()
    assert [t.name for t in list_territories(session)] == ["Small anywhere", "DACH enterprise", "DACH"]
    assert route_lead(session, small_austrian, NOW).rep.email == "dirk@example.com"


def test_a_territory_whose_reps_are_away_falls_back_to_all_reps(session, reps):
    save_territory(session, None, {"name": "France", "countries": "FR", "rep_ids": [reps["anna"].id]})
    set_away(reps["anna"], True, "", actor=reps["anna"], now=NOW)
    session.commit()
    route = route_lead(session, _lead(session, "x@y.fr", "FR"), NOW)
    assert route.rep.email != "anna@example.com" and route.why == "territory France had no available rep; all reps"


def test_an_away_until_date_makes_the_rep_available_again_that_day(session, reps):
    only = {reps["anna"].id}
    set_away(reps["anna"], True, "2026-11-23", actor=reps["anna"], now=NOW)
    session.commit()
    assert reps["anna"].is_away(NOW) and choose_rep(session, NOW, among=only) is None
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    assert choose_rep(session, monday - timedelta(seconds=1), among=only) is None
    assert choose_rep(session, monday, among=only).email == "anna@example.com" and not reps["anna"].is_away(monday)


def test_only_admins_set_someone_elses_away_and_dates_must_be_future(session, reps, make_account):
    with pytest.raises(ValidationError) as refused:
        set_away(reps["anna"], True, "", actor=reps["ben"], now=NOW)
    assert "away" in refused.value.errors
    admin = make_account(Role.ADMIN, "boss@example.com").user
    set_away(reps["anna"], True, "", actor=admin, now=NOW)
    assert reps["anna"].away and reps["anna"].away_until is None
    for bad in ("2026-11-20", "next week"):
        with pytest.raises(ValidationError) as refused:
            set_away(reps["ben"], True, bad, actor=reps["ben"], now=NOW)
        assert set(refused.value.errors) == {"away_until"}


def test_territory_input_is_validated_per_field(session, reps, make_account):
    marketer = make_account(Role.MARKETER, "m@example.com").user
    with pytest.raises(ValidationError) as refused:
        save_territory(session, None, {"name": "", "countries": "Germany", "min_company_size": "500",
                                       "max_company_size": "10", "rep_ids": [marketer.id]})  # fmt: skip
    assert set(refused.value.errors) == {"name", "countries", "max_company_size", "rep_ids"}
    with pytest.raises(ValidationError) as refused:
        save_territory(session, None, {"name": "Everything", "rep_ids": [reps["anna"].id]})
    assert "countries" in refused.value.errors
    assert list_territories(session) == []
