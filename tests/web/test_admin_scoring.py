"""Admins edit the scoring policy in the admin, preview its effect on current leads, and save versions."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from nurture.handoff.policy import current_policy
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent, PolicyVersion, Role
from tests.conftest import login


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def form_of(page: str) -> dict[str, str]:
    """The editor's inputs as the browser would post them (text inputs and selected options)."""
    import re

    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        data[html.unescape(name)] = html.unescape(value)
    for name, body in re.findall(r'<select name="([^"]+)".*?>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        data[html.unescape(name)] = chosen.group(1) if chosen else ""
    return data


def versions(session) -> int:
    return session.scalar(select(func.count()).select_from(PolicyVersion))


@pytest.fixture
def editor(client, admin):
    login(client, admin)
    page = client.get("/scoring/").get_data(as_text=True)
    return form_of(page)


def test_marketers_may_look_but_not_change_and_reps_may_not_look(client, session, make_account):
    login(client, make_account(Role.MARKETER, "m@example.com"))
    page = client.get("/scoring/").get_data(as_text=True)
    assert "built-in defaults" in page and 'value="30"' in page  # the MQL threshold shown
    assert "<fieldset disabled" in page and "Save as a new version" not in page
    assert client.post("/scoring/", data={**form_of(page), "action": "save"}).status_code == 403
    assert client.get("/scoring/history").status_code == 200
    assert versions(session) == 0
    other = client.application.test_client()
    login(other, make_account(Role.REP, "r@example.com"))
    assert other.get("/scoring/").status_code == 403
    assert 'href="/scoring/"' not in other.get("/leads/").get_data(as_text=True)


def test_an_admin_saves_a_version_that_is_in_force_and_in_the_history(client, session, admin, editor):
    data = {**editor, "rules.points.click": "8", "rules.caps.open": "", "thresholds.sales_ready_engagement": "40",
            "thresholds.reassign_on_breach": "on", "note": "Clicks matter more", "action": "save"}  # fmt: skip
    response = client.post("/scoring/", data=data)
    assert response.status_code == 302
    policy = current_policy(session)
    assert policy.rules.points["click"] == 8 and "open" not in policy.rules.caps and policy.rules.caps["page_visit"] == 20
    assert policy.thresholds.sales_ready_engagement == 40 and policy.thresholds.reassign_on_breach is True
    row = session.get(PolicyVersion, policy.version_id)
    assert row.created_by_user_id == admin.user.id and row.note == "Clicks matter more"
    page = client.get("/scoring/").get_data(as_text=True)
    assert f"version {row.id}" in page and "admin@example.com" in page and 'name="rules.points.click" value="8"' in page.replace(
        'id="rules.points.click" ', "")
    history = client.get("/scoring/history").get_data(as_text=True)
    assert "Clicks matter more" in history and "in force" in history
    shown = client.get(f"/scoring/versions/{row.id}").get_data(as_text=True)
    assert "&#34;click&#34;: 8" in shown or '"click": 8' in html.unescape(shown)


def test_bad_input_gets_per_field_errors_keeps_what_was_typed_and_saves_nothing(client, session, editor):
    data = {**editor, "rules.points.click": "lots", "rules.half_life_days": "0", "rules.grade_bands.B": "70",
            "thresholds.sales_ready_engagement": "10", "thresholds.escalation_email": "not an address",
            "fit_rule_count": "1", "rules.fit_rules[0].field": "shoe_size", "rules.fit_rules[0].op": "gte",
            "rules.fit_rules[0].value": "big", "rules.fit_rules[0].points": "5", "action": "save"}  # fmt: skip
    response = client.post("/scoring/", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("rules.points.click", "rules.half_life_days", "rules.grade_bands.B", "thresholds.sales_ready_engagement",
                 "thresholds.escalation_email", "rules.fit_rules[0].field", "rules.fit_rules[0].value"):  # fmt: skip
        assert f'id="{name}-error"' in page, name
    assert 'value="lots"' in page and 'value="shoe_size"' in page and 'value="not an address"' in page
    assert "Below the floor of A (60)" in page and "At least the MQL threshold" in page
    assert versions(session) == 0


def test_fit_rules_are_added_and_removed_without_saving(client, session, editor):
    page = client.post("/scoring/", data={**editor, "action": "add_rule"}).get_data(as_text=True)
    assert 'name="rules.fit_rules[0].field"' in page and 'name="fit_rule_count" value="1"' in page
    rows = {"fit_rule_count": "2", "rules.fit_rules[0].field": "title", "rules.fit_rules[0].op": "contains",
            "rules.fit_rules[0].value": "VP, Head", "rules.fit_rules[0].points": "25",
            "rules.fit_rules[1].field": "company_size", "rules.fit_rules[1].op": "gte",
            "rules.fit_rules[1].value": "200", "rules.fit_rules[1].points": "20"}  # fmt: skip
    page = client.post("/scoring/", data={**editor, **rows, "action": "remove_rule:0"}).get_data(as_text=True)
    assert 'id="rules.fit_rules[0].field" value="company_size"' in page and 'value="title" list=' not in page
    assert 'name="rules.fit_rules[1].field"' not in page and versions(session) == 0
    assert client.post("/scoring/", data={**editor, **rows, "action": "save"}).status_code == 302
    rules = current_policy(session).rules.fit_rules
    assert [(r.field, r.op, r.value, r.points) for r in rules] == [("title", "contains", ["VP", "Head"], 25), ("company_size", "gte", 200, 20)]


def test_the_preview_counts_grades_and_temperatures_before_and_after_and_saves_nothing(client, session, editor):
    now = datetime.now(UTC)
    for n in range(3):
        lead = create_lead(session, validate_lead_input({"email": f"l{n}@example.com", "title": "VP Sales" if n else "Intern"}), reason="t")
        for k in range(n * 3):  # 0, 15 and 30 engagement points
            session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{k}", occurred_at=now - timedelta(hours=1)))
    session.commit()
    data = {**editor, "rules.temperature_bands.warm": "10", "fit_rule_count": "1", "rules.fit_rules[0].field": "title",
            "rules.fit_rules[0].op": "contains", "rules.fit_rules[0].value": "VP", "rules.fit_rules[0].points": "45",
            "thresholds.sales_ready_engagement": "30", "action": "preview"}  # fmt: skip
    response = client.post("/scoring/", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and versions(session) == 0
    preview = page.split('id="preview"')[1].split("</section>")[0]
    assert "3 most recently updated leads" in preview
    assert "<th scope=\"row\">B</th><td>0</td><td>2</td>" in preview and "<th scope=\"row\">D</th><td>3</td><td>1</td>" in preview
    assert "<th scope=\"row\">Warm</th><td>1</td><td>2</td>" in preview and "<th scope=\"row\">Cold</th><td>2</td><td>1</td>" in preview
    assert "at or above sales-ready: 0 → 1" in html.unescape(preview)
    assert 'value="45"' in page  # the proposal stays in the form, ready to save
