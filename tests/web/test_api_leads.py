"""The leads API: create, read, update, list; every auth case; hostile input leaves only what was valid."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from nurture.models import Lead, LeadEvent, Role
from tests.conftest import bearer


def count_leads(session) -> int:
    return session.scalar(select(func.count()).select_from(Lead))


def test_create_get_patch_and_the_timeline(client, session, make_account):
    marketer = make_account(Role.MARKETER)
    created = client.post(
        "/api/v1/leads",
        json={"email": "Ada@Example.com", "first_name": "Ada", "company": "Analytical", "website": "https://www.analytical.io",
              "country": "GB", "source": "webinar", "custom_fields": {"plan": "pro"}},
        headers=bearer(marketer),
    )  # fmt: skip
    assert created.status_code == 201, created.json
    lead = created.json
    assert (lead["email"], lead["timezone"], lead["source"]) == ("ada@example.com", "Europe/London", "webinar")
    assert lead["company"]["domain"] == "analytical.io" and lead["company"]["name"] == "Analytical"
    assert created.headers["Location"].endswith(f"/api/v1/leads/{lead['id']}")

    assert client.get(f"/api/v1/leads/{lead['id']}", headers=bearer(marketer)).json["first_name"] == "Ada"
    patched = client.patch(f"/api/v1/leads/{lead['id']}", json={"lifecycle_stage": "mql", "lead_status": "attempting"}, headers=bearer(marketer))
    assert patched.status_code == 200 and patched.json["lifecycle_stage"] == "mql"
    backward = client.patch(f"/api/v1/leads/{lead['id']}", json={"lifecycle_stage": "subscriber"}, headers=bearer(marketer))
    assert backward.status_code == 422 and "forward only" in backward.json["errors"]["lifecycle_stage"]

    events = client.get(f"/api/v1/leads/{lead['id']}/events", headers=bearer(marketer)).json["data"]
    kinds = [e["kind"] for e in events]
    assert kinds[-1] == "created" and {"stage_changed", "status_changed"} <= set(kinds)
    stage = next(e for e in events if e["kind"] == "stage_changed")
    assert stage["data"] == {"lifecycle_stage": ["lead", "mql"]} and marketer.user.email in stage["reason"]


def test_duplicates_are_refused_on_the_normalized_email(client, session, make_account):
    admin = make_account(Role.ADMIN)
    assert client.post("/api/v1/leads", json={"email": "bob@example.com"}, headers=bearer(admin)).status_code == 201
    again = client.post("/api/v1/leads", json={"email": "BOB@Example.COM "}, headers=bearer(admin))
    assert again.status_code == 422 and again.json == {"errors": {"email": "A lead with this email address already exists"}}
    other = client.post("/api/v1/leads", json={"email": "carol@example.com"}, headers=bearer(admin)).json
    taken = client.patch(f"/api/v1/leads/{other['id']}", json={"email": "bob@example.com"}, headers=bearer(admin))
    assert taken.status_code == 422 and "already exists" in taken.json["errors"]["email"]
    assert count_leads(session) == 2


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"email": "not an email"}, {"email": "Email address invalid"}),
        ({"first_name": "Ada"}, {"email": "Required field missing"}),
        ({"email": "a@example.com", "first_name": "Ada\r\nBcc: victim@example.com"}, {"first_name": "Must not contain line breaks or control characters"}),
        ({"email": "a@example.com", "favourite_colour": "blue", "is_admin": True}, {"favourite_colour": "Unknown field", "is_admin": "Unknown field"}),
        ({"email": "a@example.com", "first_name": 42}, {"first_name": "Must be text"}),
        ({"email": "a@example.com", "website": "javascript:alert(1)"}, {"website": "Website address invalid"}),
        ({"email": "a@example.com", "country": "Atlantis", "timezone": "Mars/Olympus"}, {"country": "Country invalid (ISO 3166 code expected, e.g. DE)", "timezone": "Timezone unknown (IANA name expected, e.g. Europe/Paris)"}),
        ({"email": "a@example.com", "owner_email": "ghost@example.com"}, {"owner_email": "No active user with this identity"}),
        ({"email": "a@example.com", "x" * 500: 1}, {"x" * 64: "Unknown field"}),
    ],
)  # fmt: skip
def test_bad_input_gets_per_field_errors_and_stores_nothing(client, session, make_account, body, errors):
    response = client.post("/api/v1/leads", json=body, headers=bearer(make_account(Role.REP)))
    assert response.status_code == 422
    assert response.json == {"errors": errors}
    assert count_leads(session) == 0


def test_malformed_bodies_never_500(client, session, make_account):
    headers = bearer(make_account(Role.MARKETER))
    cases = [
        (b"[1, 2]", "application/json", 422),
        (b'{"email": ', "application/json", 422),
        (b"\xff\xfe{}", "application/json", 422),
        (b"[" * 100000 + b"]" * 100000, "application/json", 422),
        (b"email=a@example.com", "application/x-www-form-urlencoded", 415),
        (json.dumps({"email": "a@example.com", "first_name": "x" * (10 * 1024 * 1024)}).encode(), "application/json", 413),
    ]
    for body, content_type, status in cases:
        response = client.post("/api/v1/leads", data=body, headers={**headers, "Content-Type": content_type})
        assert response.status_code == status, (body[:20], response.status_code)
        assert "body" in response.json["errors"]
    assert count_leads(session) == 0


def test_sql_looking_strings_are_just_text(client, session, make_account):
    admin = make_account(Role.ADMIN)
    name = "Robert'); DROP TABLE leads;--"
    created = client.post("/api/v1/leads", json={"email": "bobby@example.com", "last_name": name}, headers=bearer(admin))
    assert created.status_code == 201 and created.json["last_name"] == name
    found = client.get("/api/v1/leads", query_string={"q": "'); DROP TABLE leads;--"}, headers=bearer(admin)).json
    assert [lead["email"] for lead in found["data"]] == ["bobby@example.com"]
    assert session.execute(text("SELECT count(*) FROM leads")).scalar() == 1


def test_list_filters_and_paginates_with_links(client, session, make_account):
    admin = make_account(Role.ADMIN)
    for n in range(7):
        client.post("/api/v1/leads", json={"email": f"l{n}@example.com", "source": "ebook" if n % 2 else "webinar"}, headers=bearer(admin))
    page = client.get("/api/v1/leads", query_string={"source": "webinar", "per_page": 2}, headers=bearer(admin))
    assert page.json["meta"] == {"page": 1, "per_page": 2, "total": 4, "pages": 2}
    assert all(lead["source"] == "webinar" for lead in page.json["data"])
    assert 'rel="next"' in page.headers["Link"] and "source=webinar" in page.headers["Link"]
    bad = client.get("/api/v1/leads", query_string={"source": "moon", "per_page": 1000, "colour": "red"}, headers=bearer(admin))
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"source", "per_page"}
    unknown = client.get("/api/v1/leads", query_string={"colour": "red"}, headers=bearer(admin))
    assert unknown.status_code == 422 and unknown.json["errors"] == {"colour": "Unknown filter"}


def test_auth_is_required_and_tokens_must_be_valid(client, session, make_account):
    account = make_account(Role.REP)
    assert client.get("/api/v1/leads").status_code == 401
    assert client.get("/api/v1/leads", headers={"Authorization": "Bearer nt_forged"}).status_code == 401
    assert client.get("/api/v1/leads", headers={"Authorization": f"Basic {account.token}"}).status_code == 401
    ok = client.get("/api/v1/leads", headers=bearer(account))
    assert ok.status_code == 200
    account.user.active = False
    session.commit()
    assert client.get("/api/v1/leads", headers=bearer(account)).status_code == 401
    assert client.get("/api/v1/leads/999999", headers=bearer(make_account(Role.ADMIN))).status_code == 404


def test_every_change_is_on_the_timeline(client, session, make_account):
    admin = make_account(Role.ADMIN)
    lead_id = client.post("/api/v1/leads", json={"email": "t@example.com"}, headers=bearer(admin)).json["id"]
    client.patch(f"/api/v1/leads/{lead_id}", json={"owner_email": admin.user.email, "owner_team": "sales"}, headers=bearer(admin))
    owner_event = session.scalar(select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "owner_changed"))
    assert owner_event.data == {"owner_team": ["marketing", "sales"], "owner_user_id": [None, admin.user.id]}
    assert owner_event.actor_user_id == admin.user.id
