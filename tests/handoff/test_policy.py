"""Scoring rules and thresholds live in the database, versioned; each evaluation pass reads them once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from nurture.errors import ValidationError
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.handoff.policy import current_policy, policy_history, save_policy
from nurture.handoff.thresholds import Thresholds
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent, PolicyVersion, Role
from nurture.scoring.rules import ScoringRules
from tests.conftest import bearer

NOW = datetime(2026, 11, 18, 10, tzinfo=UTC)
RULES = {
    "points": {"click": 10, "open": 0}, "caps": {"click": 60}, "total_cap": 90, "half_life_days": 7,
    "fit_rules": [{"field": "title", "op": "contains", "value": ["VP"], "points": 45, "label": "Senior"},
                  {"field": "custom.plan", "op": "in", "value": ["pro", "team"], "points": 10}],
    "grade_bands": {"A": 80, "B": 45, "C": 10}, "temperature_bands": {"hot": 40, "warm": 5},
}  # fmt: skip


def _lead(session, email, clicks, title=None):
    lead = create_lead(session, validate_lead_input({"email": email, "title": title} if title else {"email": email}), reason="t")
    for n in range(clicks):
        session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{n}", occurred_at=NOW - timedelta(minutes=n + 1), recorded_at=NOW - timedelta(minutes=n + 1)))
    session.commit()
    return lead


def test_with_nothing_saved_the_defaults_in_code_apply(session):
    policy = current_policy(session)
    assert policy.version_id is None and policy.rules == ScoringRules() and policy.thresholds == Thresholds()


def test_documents_round_trip_and_each_save_is_a_new_version_with_who_and_when(session, admin):
    rules = ScoringRules.from_dict(RULES)
    assert ScoringRules.from_dict(rules.to_dict()) == rules and rules.grade_bands[1] == ("B", 45)
    first = save_policy(session, RULES, {"mql_engagement": 20}, admin.user, NOW, note="first")
    second = save_policy(session, RULES, {"mql_engagement": 25}, None, NOW + timedelta(hours=1))
    session.commit()
    assert current_policy(session).version_id == second.id and current_policy(session).thresholds.mql_engagement == 25
    assert [(v.id, v.created_by_user_id, v.note) for v in policy_history(session)] == [(second.id, None, ""), (first.id, admin.user.id, "first")]


def test_an_invalid_policy_is_refused_whole_with_every_field_named(session, admin):
    with pytest.raises(ValidationError) as refused:
        save_policy(session, {"total_cap": 0, "temperature_bands": {"hot": 10, "warm": 20}},
                    {"hysteresis": -1, "reassign_on_breach": "yes"}, admin.user, NOW)  # fmt: skip
    assert set(refused.value.errors) == {"rules.total_cap", "rules.temperature_bands.warm", "thresholds.hysteresis",
                                         "thresholds.reassign_on_breach"}  # fmt: skip
    assert session.scalar(select(PolicyVersion)) is None


def test_a_pass_reads_the_policy_once_and_hands_off_by_the_saved_thresholds(session, database, settings, make_account, admin):
    make_account(Role.REP, "rep@example.com")
    save_policy(session, RULES, {"mql_engagement": 20, "sales_ready_engagement": 30, "sales_ready_min_fit": 40}, admin.user, NOW)
    session.commit()
    senior = _lead(session, "vp@example.com", clicks=3, title="VP Sales")  # 30 engagement, 45 fit: sales-ready
    junior = _lead(session, "jr@example.com", clicks=4, title="Intern")  # 40 engagement, fit 0: MQL only
    _lead(session, "cold@example.com", clicks=1)
    reads = []

    def count(conn, cursor, statement, *args):
        if "policy_versions" in statement:
            reads.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        promotions = evaluate_changed_leads(session, settings, NOW)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert {(p.stage.value, p.task.lead_id if p.task else None) for p in promotions} == {("sql", senior.id), ("mql", None)}
    assert len(reads) <= 2  # the latest id, and the row once if this version is not cached yet
    session.refresh(junior)
    assert junior.lifecycle_stage == "mql"


def test_the_score_api_reads_with_the_policy_in_force(client, session, admin):
    lead = _lead(session, "api@example.com", clicks=2, title="VP Marketing")
    before = client.get(f"/api/v1/leads/{lead.id}/score", headers=bearer(admin)).get_json()
    save_policy(session, RULES, {}, admin.user, NOW)
    session.commit()
    after = client.get(f"/api/v1/leads/{lead.id}/score", headers=bearer(admin)).get_json()
    assert before["fit"]["score"] == 0 and after["fit"]["score"] == 45 and after["fit"]["grade"] == "B"
    assert after["engagement"]["score"] > before["engagement"]["score"]  # clicks worth 10 now, not 5
