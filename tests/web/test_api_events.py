"""POST /api/v1/events: the website reports page visits and meetings; they score, and bad input is named per field."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from nurture.db.base import utcnow
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import ActivityEvent, Role
from tests.conftest import bearer


def _lead(session, email="visitor@example.com"):
    lead = create_lead(session, validate_lead_input({"email": email}), reason="test")
    session.commit()
    return lead


def test_page_visits_and_a_meeting_score_and_hand_the_lead_to_sales(client, session, settings, make_account):
    account = make_account(Role.MARKETER)
    make_account(Role.REP, "rep@example.com")
    lead = _lead(session)
    an_hour_ago = (utcnow() - timedelta(hours=1)).isoformat()
    for n in range(3):
        response = client.post("/api/v1/events", headers=bearer(account),
                               json={"email": " Visitor@Example.com ", "type": "page_visit", "url": f"https://site.test/pricing/{n}", "occurred_at": an_hour_ago})  # fmt: skip
        assert response.status_code == 201, response.json
    assert response.json["lead_id"] == lead.id and response.json["type"] == "page_visit"
    booked = client.post("/api/v1/events", headers=bearer(account), json={"lead_id": lead.id, "type": "meeting_booked", "data": {"with": "Sam"}})
    assert booked.status_code == 201 and booked.json["url"] is None and booked.json["data"] == {"with": "Sam"}

    score = client.get(f"/api/v1/leads/{lead.id}/score", headers=bearer(account)).json["engagement"]
    assert sorted(c["kind"] for c in score["contributions"]) == ["meeting_booked", "page_visit", "page_visit", "page_visit"]
    assert score["score"] == 46  # 40 + 3 × 2 (an hour of decay rounds away)
    assert client.post("/api/v1/events", headers=bearer(account), json={"lead_id": lead.id, "type": "form_submit"}).status_code == 201

    promotions = evaluate_changed_leads(session, settings, utcnow() + timedelta(seconds=1))
    assert [p.stage for p in promotions] == ["sql"]
    session.refresh(lead)
    assert lead.owner_team == "sales"


def test_bad_input_is_named_field_by_field_and_nothing_is_recorded(client, session, make_account):
    account = make_account(Role.REP)
    lead = _lead(session)
    cases = [
        ({}, {"lead_id": "Required: the lead's id, or its email", "type": "Required: one of page_visit, form_submit, meeting_booked"}),
        ({"lead_id": lead.id, "email": lead.email, "type": "page_visit", "url": "https://x.test"}, {"lead_id": "Give lead_id or email, not both"}),
        ({"lead_id": 999999, "type": "meeting_booked"}, {"lead_id": "No lead with this id"}),
        ({"lead_id": "1", "type": "meeting_booked"}, {"lead_id": "Must be a lead's id (a whole number)"}),
        ({"email": "nobody@example.com", "type": "meeting_booked"}, {"email": "No lead with this email address"}),
        ({"email": "not an email", "type": "meeting_booked"}, {"email": "Email address invalid"}),
        ({"lead_id": lead.id, "type": "page_visit"}, {"url": "Required for a page visit"}),
        ({"lead_id": lead.id, "type": "page_visit", "url": "javascript:alert(1)"}, {"url": "An http(s) URL of at most 2048 characters"}),
        ({"lead_id": lead.id, "type": "hug"}, {"type": "Required: one of page_visit, form_submit, meeting_booked"}),
        ({"lead_id": lead.id, "type": "meeting_booked", "occurred_at": "yesterday"},
         {"occurred_at": "Date and time invalid (ISO 8601 expected, e.g. 2026-01-31T09:00:00Z)"}),
        ({"lead_id": lead.id, "type": "meeting_booked", "occurred_at": (utcnow() + timedelta(days=1)).isoformat()},
         {"occurred_at": "Must not be in the future"}),
        ({"lead_id": lead.id, "type": "meeting_booked", "data": {"x": {"nested": 1}}}, {"data": "An object of at most 20 named values (text up to 500 characters, numbers, true/false, null)"}),
        ({"lead_id": lead.id, "type": "meeting_booked", "score": 100}, {"score": "Unknown field"}),
    ]  # fmt: skip
    for body, errors in cases:
        response = client.post("/api/v1/events", headers=bearer(account), json=body)
        assert (response.status_code, response.json) == (422, {"errors": errors}), body
    assert client.post("/api/v1/events", headers=bearer(account), data="[]", content_type="application/json").status_code == 422
    assert client.post("/api/v1/events", headers=bearer(account), data="x", content_type="text/plain").status_code == 415
    assert client.post("/api/v1/events", json={"lead_id": lead.id, "type": "meeting_booked"}).status_code == 401
    assert session.scalar(select(func.count()).select_from(ActivityEvent)) == 0
