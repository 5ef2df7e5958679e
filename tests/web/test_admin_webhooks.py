"""Admins manage webhook endpoints: validated URL and events, a secret revealed on request, the delivery log."""

from __future__ import annotations

import re

from sqlalchemy import select

from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import Role, WebhookDelivery, WebhookEndpoint
from tests.conftest import login


def _csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_an_admin_creates_an_endpoint_sees_field_errors_and_reveals_the_secret(client, session, admin):
    login(client, admin)
    token = _csrf(client, "/webhooks/new")
    bad = client.post("/webhooks/new", data={"csrf_token": token, "url": "ftp://x.test/", "events": ["lead.nope"]})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Must be an http:// or https:// address" in page and "Unknown event type" in page and "ftp://x.test/" in page
    assert session.scalar(select(WebhookEndpoint)) is None

    made = client.post("/webhooks/new", data={"csrf_token": token, "url": "https://crm.example.com/hook", "active": "on",
                                              "events": ["lead.created", "lead.sales_ready"]})  # fmt: skip
    assert made.status_code == 302
    endpoint = session.scalar(select(WebhookEndpoint))
    assert (endpoint.url, endpoint.events, endpoint.active) == ("https://crm.example.com/hook", ["lead.created", "lead.sales_ready"], True)
    edit_page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert endpoint.secret not in edit_page  # shown only on request
    revealed = client.post(f"/webhooks/{endpoint.id}/secret", data={"csrf_token": token})
    assert endpoint.secret in revealed.get_data(as_text=True) and revealed.headers["Cache-Control"] == "no-store"
    assert client.post(f"/webhooks/{endpoint.id}/secret").status_code == 400  # no CSRF token, no secret

    old = endpoint.secret
    rotated = client.post(f"/webhooks/{endpoint.id}/rotate", data={"csrf_token": token}).get_data(as_text=True)
    session.refresh(endpoint)
    assert endpoint.secret != old and endpoint.secret in rotated


def test_only_admins_see_webhooks(app, make_account):
    for role in (Role.MARKETER, Role.REP):
        client = app.test_client()
        login(client, make_account(role))
        assert client.get("/webhooks/").status_code == 403
        assert "/webhooks/" not in client.get("/leads/").get_data(as_text=True)  # not in their navigation
    assert app.test_client().get("/webhooks/").status_code == 302  # to the login page


def test_the_delivery_log_escapes_the_receivers_answer_and_redelivers(client, session, admin):
    login(client, admin)
    endpoint = WebhookEndpoint(url="https://crm.example.com/hook", events=["lead.created"], secret="whsec_x")
    session.add(endpoint)
    session.commit()
    create_lead(session, validate_lead_input({"email": "logged@example.com"}), reason="test")
    row = session.scalar(select(WebhookDelivery))
    row.response_code, row.response_body, row.attempts = 500, "<script>alert('x')</script>", 1
    session.commit()

    log = client.get(f"/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "lead.created" in log and "500" in log
    detail = client.get(f"/webhooks/deliveries/{row.id}").get_data(as_text=True)
    assert "<script>alert" not in detail and "&lt;script&gt;alert" in detail and "logged@example.com" in detail

    token = _csrf(client, f"/webhooks/{endpoint.id}")
    assert client.post(f"/webhooks/deliveries/{row.id}/redeliver", data={"csrf_token": token}).status_code == 302
    rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert len(rows) == 2 and rows[1].event_id == rows[0].event_id and rows[1].state == "pending"
