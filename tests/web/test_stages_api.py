"""GET /api/v1/stages for everyone; admins add stages (POST) and change them (PUT); errors per field."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from nurture.models import Role, User
from nurture.users.tokens import create_token


@pytest.fixture
def token(session):
    """A bearer header for a new user of a role (no password: Argon2 is slow and the API does not need one)."""

    def make(role: Role) -> dict[str, str]:
        user = User(email=f"{role.value}@example.com", role=role, password_hash="!")
        session.add(user)
        session.flush()
        value = create_token(session, user)
        session.commit()
        return {"Authorization": f"Bearer {value}"}

    return make


def test_everyone_reads_the_stages_in_order_with_counts(client, token):
    rep = token(Role.REP)
    lead = client.post("/api/v1/leads", json={"email": "a@example.com"}, headers=token(Role.MARKETER)).json
    entered, created = (datetime.fromisoformat(lead[k]) for k in ("stage_entered_at", "created_at"))
    assert abs(entered - created) < timedelta(seconds=1)  # a new lead entered its stage as it was created
    data = client.get("/api/v1/stages", headers=rep).json["data"]
    assert [s["key"] for s in data] == ["subscriber", "lead", "mql", "sql", "opportunity", "customer"]
    assert data[1]["lead_count"] == 1 and data[3]["owner_team"] == "sales" and data[3]["criteria"]["score"] == "policy_sales_ready"


def test_admins_add_and_change_stages_others_may_not(client, token):
    admin, marketer = token(Role.ADMIN), token(Role.MARKETER)
    assert client.put("/api/v1/stages/mql", json={"name": "Warm"}, headers=marketer).status_code == 403
    bad = client.put("/api/v1/stages/sql", json={"key": "x", "criteria": {"signals": [["demo"]]}, "max_age_days": -1}, headers=admin)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"key"}
    bad = client.put("/api/v1/stages/sql", json={"criteria": {"signals": [["demo"]]}, "max_age_days": -1}, headers=admin)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"criteria.signals[0]", "max_age_days"}
    changed = client.put("/api/v1/stages/sql", json={"name": "Sales accepted", "max_age_days": 7,
                                                     "criteria": {"score": "policy_sales_ready", "signals": [["form:demo-request"]]}},
                         headers=admin)  # fmt: skip
    assert changed.status_code == 200 and (changed.json["name"], changed.json["max_age_days"]) == ("Sales accepted", 7)
    created = client.post("/api/v1/stages", json={"name": "Trial", "owner_team": "sales", "after": "sql"}, headers=admin)
    assert created.status_code == 201 and created.json["key"] == "trial"
    keys = [s["key"] for s in client.get("/api/v1/stages", headers=marketer).json["data"]]
    assert keys.index("trial") == keys.index("sql") + 1
    assert client.put("/api/v1/stages/nope", json={"name": "X"}, headers=admin).status_code == 404
