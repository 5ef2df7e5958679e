"""A band change applies forward: lists re-grade and re-band from the change on, audited; history stays as it was."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from nurture.db.base import utcnow
from nurture.handoff.policy import current_policy, save_policy
from nurture.leads.capture import create_lead
from nurture.leads.timeline import record_event
from nurture.leads.validation import validate_lead_input
from nurture.models import DefinitionChange, EmailEvent, LeadEvent, LeadScoreSnapshot, PolicyVersion
from nurture.scoring.hot_leads import HotFilters, hot_leads
from nurture.scoring.lead_score import score_lead
from nurture.scoring.snapshot import save_snapshot
from tests.conftest import login

PAGE = "/definitions/statuses-and-bands/"


def _engaged_lead(session, now):
    """Five clicks: engagement 25 (warm by default), fit 0 (grade D), with a snapshot as the evaluation loop leaves it."""
    lead = create_lead(session, validate_lead_input({"email": "warm@acme.com"}), reason="test")
    for i in range(5):
        session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{i}", occurred_at=now - timedelta(minutes=i + 1)))
    session.flush()
    rules = current_policy(session).rules
    save_snapshot(session, lead.id, score_lead(session, lead, rules, now), now, rules.half_life_days)
    record_event(session, lead, "score_noted", "Scored D-warm", {"label": "D-warm"})
    session.commit()
    return lead


def _label(session, now, **filters):
    page = hot_leads(session, HotFilters(**filters), now, current_policy(session).rules)
    return [h.label for h in page.items]


def test_a_band_change_recomputes_temperatures_and_grades_forward_with_the_change_audited(client, session, admin):
    now = utcnow()
    lead = _engaged_lead(session, now)
    assert _label(session, now) == ["D-warm"]
    login(client, admin)
    token = client.get(PAGE).get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "action": "bands", "grade_bands.A": "60", "grade_bands.B": "40", "grade_bands.C": "-10",
            "temperature_bands.hot": "20", "temperature_bands.warm": "10"}  # fmt: skip

    bad = client.post(PAGE, data={**form, "temperature_bands.hot": "5"})
    assert bad.status_code == 422 and 'id="temperature_bands.warm-error">Below the floor of hot (5)' in bad.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PolicyVersion)) == 0  # nothing saved

    assert client.post(PAGE, data=form).status_code == 302
    assert _label(session, now) == ["C-hot"] and _label(session, now, grade="C") == ["C-hot"]  # forward: the lists follow
    assert session.get(LeadScoreSnapshot, lead.id).grade == "C"
    version = session.scalar(select(PolicyVersion))
    changes = session.scalars(select(DefinitionChange).order_by(DefinitionChange.id)).all()
    assert [(c.subject, c.key, c.before, c.after) for c in changes] == [
        ("grade_band", "C", {"floor": 20}, {"floor": -10}),
        ("temperature_band", "hot", {"floor": 50}, {"floor": 20}),
        ("temperature_band", "warm", {"floor": 20}, {"floor": 10}),
    ]
    assert {(c.actor_user_id, c.policy_version_id) for c in changes} == {(admin.user.id, version.id)}
    # History is not rewritten: the timeline still says what was true then.
    assert session.scalar(select(LeadEvent.reason).where(LeadEvent.kind == "score_noted")) == "Scored D-warm"
    page = client.get(PAGE).get_data(as_text=True)
    assert "Temperature band <code>hot</code> changed" in page and "floor: 50" in page and "admin@example.com" in page


def test_a_scoring_save_that_moves_no_band_audits_nothing_and_one_that_does_is_audited(session):
    now = utcnow()
    policy = current_policy(session)
    rules = policy.rules.to_dict()
    save_policy(session, {**rules, "total_cap": 90}, policy.thresholds.to_dict(), None, now)
    assert session.scalar(select(func.count()).select_from(DefinitionChange)) == 0
    save_policy(session, {**rules, "grade_bands": {"A": 70, "B": 40, "C": 20}}, policy.thresholds.to_dict(), None, now)
    [change] = session.scalars(select(DefinitionChange))
    assert (change.key, change.before, change.after, change.actor_user_id) == ("A", {"floor": 60}, {"floor": 70}, None)
