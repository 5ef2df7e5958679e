"""The sequences API: define, version, activate, pause, enroll one or many — with clear errors."""

from __future__ import annotations

from sqlalchemy import func, select

from campaigns.models import Enrollment, Sequence, SequenceVersion
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.mail.suppression import suppress
from nurture.models import Lead, Role
from tests.conftest import bearer

DEFINITION = {
    "send_window": {"days": ["tue", "wed", "thu"], "start": "09:00", "end": "11:00"},
    "steps": [
        {"id": "hello", "type": "email", "subject": "Hi {{ lead.first_name }}", "html": "<p>Hello</p>"},
        {"id": "wait", "type": "wait", "amount": 2, "unit": "business_days"},
        {"id": "again", "type": "email", "subject": "Again", "html": "<p>Again</p>"},
    ],
}


def _create(client, account, **extra):
    return client.post("/api/v1/sequences", json={"name": "Welcome", "definition": DEFINITION, **extra}, headers=bearer(account))


def test_a_marketer_creates_activates_and_enrolls(client, session, make_account):
    marketer = make_account(Role.MARKETER)
    created = _create(client, marketer)
    assert created.status_code == 201, created.json
    sequence_id = created.json["id"]
    assert created.json["status"] == "draft" and created.json["version"] == 1
    assert created.headers["Location"].endswith(f"/api/v1/sequences/{sequence_id}")

    lead = create_lead(session, validate_lead_input({"email": "ada@example.com"}), reason="test")
    session.commit()
    refused = client.post(f"/api/v1/sequences/{sequence_id}/enrollments", json={"lead_id": lead.id}, headers=bearer(marketer))
    assert refused.status_code == 422 and "draft" in refused.json["errors"]["lead_id"]

    activated = client.post(f"/api/v1/sequences/{sequence_id}/status", json={"status": "active"}, headers=bearer(marketer))
    assert activated.json["status"] == "active"
    enrolled = client.post(f"/api/v1/sequences/{sequence_id}/enrollments", json={"lead_id": lead.id}, headers=bearer(marketer))
    assert enrolled.status_code == 201 and enrolled.json["current_step"] == "hello"
    again = client.post(f"/api/v1/sequences/{sequence_id}/enrollments", json={"lead_id": lead.id}, headers=bearer(marketer))
    assert again.status_code == 422 and again.json["errors"]["lead_id"] == "Already enrolled in this sequence"
    shown = client.get(f"/api/v1/sequences/{sequence_id}", headers=bearer(marketer)).json
    assert shown["enrollments"] == {"active": 1} and shown["definition"]["steps"][0]["id"] == "hello"


def test_bad_definitions_get_errors_that_name_the_place(client, session, make_account):
    marketer = make_account(Role.MARKETER)
    bad = {"layout": "<html><body>{{ content }}</body></html>",  # a layout without the footer
           "steps": [{"id": "hello", "type": "email", "subject": "Hi", "html": "<p>Hi</p>"},
                     {"type": "wait", "unit": "weeks", "amount": 1}, {"type": "teleport"}],
           "send_window": {"start": "25:00"}}  # fmt: skip
    response = client.post("/api/v1/sequences", json={"name": "Bad", "definition": bad, "color": "red"}, headers=bearer(marketer))
    assert response.status_code == 422
    assert response.json["errors"] == {"color": "Unknown field"}
    response = client.post("/api/v1/sequences", json={"name": "Bad", "definition": bad}, headers=bearer(marketer))
    errors = response.json["errors"]
    assert "unsubscribe" in errors["definition.steps[0].html"]
    assert "definition.steps[1].unit" in errors and "definition.steps[2].type" in errors
    assert "definition.send_window" in errors
    assert session.scalar(select(func.count()).select_from(Sequence)) == 0


def test_editing_makes_a_new_version_and_reps_cannot_edit(client, session, make_account):
    marketer, rep = make_account(Role.MARKETER), make_account(Role.REP)
    sequence_id = _create(client, marketer).json["id"]
    edited = {**DEFINITION, "steps": DEFINITION["steps"][:1]}
    patched = client.patch(f"/api/v1/sequences/{sequence_id}", json={"definition": edited}, headers=bearer(marketer))
    assert patched.status_code == 200 and patched.json["version"] == 2
    assert session.scalar(select(func.count()).select_from(SequenceVersion)) == 2
    forbidden = client.patch(f"/api/v1/sequences/{sequence_id}", json={"name": "Mine"}, headers=bearer(rep))
    assert forbidden.status_code == 403
    assert client.get(f"/api/v1/sequences/{sequence_id}", headers=bearer(rep)).status_code == 200
    assert client.get("/api/v1/sequences").status_code == 401


def test_bulk_enrollment_from_a_filter_counts_refusals_by_reason(client, session, make_account):
    marketer = make_account(Role.MARKETER)
    sequence_id = _create(client, marketer).json["id"]
    client.post(f"/api/v1/sequences/{sequence_id}/status", json={"status": "active"}, headers=bearer(marketer))
    for n in range(5):
        create_lead(session, validate_lead_input({"email": f"w{n}@example.com", "source": "webinar"}), reason="test")
    create_lead(session, validate_lead_input({"email": "other@example.com", "source": "ebook"}), reason="test")
    suppress(session, "w0@example.com", "unsubscribed")
    session.commit()
    response = client.post(f"/api/v1/sequences/{sequence_id}/enrollments", json={"filter": {"source": "webinar"}}, headers=bearer(marketer))
    assert response.status_code == 200
    w0 = session.scalar(select(Lead.id).where(Lead.email == "w0@example.com"))
    assert response.json == {"enrolled": 4, "refused": {"The address is suppressed (unsubscribed)": 1},
                             "refusals": [{"lead_id": w0, "email": "w0@example.com", "reason": "The address is suppressed (unsubscribed)"}]}  # fmt: skip
    assert session.scalar(select(func.count()).select_from(Enrollment)) == 4
    bad = client.post(f"/api/v1/sequences/{sequence_id}/enrollments", json={"filter": {"source": "moon"}}, headers=bearer(marketer))
    assert bad.status_code == 422 and "source" in bad.json["errors"]


def test_pause_and_resume_through_the_api(client, session, make_account):
    marketer = make_account(Role.MARKETER)
    sequence_id = _create(client, marketer).json["id"]
    status = f"/api/v1/sequences/{sequence_id}/status"
    assert client.post(status, json={"status": "paused"}, headers=bearer(marketer)).status_code == 422  # a draft
    client.post(status, json={"status": "active"}, headers=bearer(marketer))
    assert client.post(status, json={"status": "paused"}, headers=bearer(marketer)).json["status"] == "paused"
    assert client.post(status, json={"status": "active"}, headers=bearer(marketer)).json["status"] == "active"
    assert client.post(status, json={"status": "sideways"}, headers=bearer(marketer)).status_code == 422
