"""GET /api/v1/leads/<id>/score lists every contribution, summing to the scores; machine events do not count."""

from datetime import timedelta

from nurture.db.base import utcnow
from nurture.leads.capture import create_lead
from nurture.leads.timeline import record_event
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent, Role
from tests.conftest import bearer


def test_the_score_is_explained_and_bots_do_not_count(client, session, make_account):
    lead = create_lead(session, validate_lead_input({"email": "hot@example.com"}), reason="test")
    now = utcnow()
    session.add_all([
        EmailEvent(send_id=1, lead_id=lead.id, kind="click", url="https://example.com/pricing", occurred_at=now - timedelta(days=31)),
        EmailEvent(send_id=1, lead_id=lead.id, kind="open", occurred_at=now),
        EmailEvent(send_id=1, lead_id=lead.id, kind="click", is_machine=True, machine_reason="scanner", occurred_at=now),
    ])  # fmt: skip
    record_event(session, lead, "form_submitted", "Submitted form 'Demo'", {"form_name": "Demo"})
    session.commit()

    response = client.get(f"/api/v1/leads/{lead.id}/score", headers=bearer(make_account(Role.REP)))
    assert response.status_code == 200
    engagement = response.json["engagement"]
    kinds = sorted(c["kind"] for c in engagement["contributions"])
    assert kinds == ["click", "form_submit", "open"]  # the scanner's click is not there
    click = next(c for c in engagement["contributions"] if c["kind"] == "click")
    assert click["points"] == 5 and abs(click["value_now"] - 2.44) < 0.01 and "pricing" in click["description"]
    assert engagement["score"] == round(sum(c["value_now"] for c in engagement["contributions"])) == 23
    assert engagement["temperature"] == "warm" and response.json["label"] == "D-warm"
    assert client.get("/api/v1/leads/999999/score", headers=bearer(make_account(Role.ADMIN))).status_code == 404
