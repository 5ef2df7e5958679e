"""A company writes its own stages: renames, adds one between lead and MQL, reorders, retires — every edit
audited — and its leads move through them by their entry criteria, each move timed and on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.forms.definitions import create_form
from nurture.forms.submit import submit_form
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.leads.capture import create_lead
from nurture.leads.changes import apply_values
from nurture.leads.validation import validate_lead_input
from nurture.models import LeadEvent, Stage, StageChange
from nurture.stages.counts import lead_counts, stage_max_ages
from nurture.stages.edit import create_stage, move_stage, restore_stage, retire_stage, update_stage
from nurture.stages.ladder import load_ladder
from tests.handoff.engagement import add_clicks

DEFAULT_KEYS = ["subscriber", "lead", "mql", "sql", "opportunity", "customer"]


def stage(session, key: str) -> Stage:
    return session.scalar(select(Stage).where(Stage.key == key))


def keys(session) -> list[str]:
    return [s.key for s in load_ladder(session).active]


def test_the_seeded_stages_are_todays_six_with_todays_handoff(session):
    ladder = load_ladder(session)
    assert [s.key for s in ladder.stages] == DEFAULT_KEYS
    assert [s.owner_team for s in ladder.stages] == ["marketing"] * 3 + ["sales"] * 3
    assert [s.criteria.score for s in ladder.stages] == ["", "", "policy_mql", "policy_sales_ready", "", ""]
    assert all(s.definition and s.max_age_days is None for s in ladder.stages)


def test_a_company_renames_and_adds_a_stage_and_a_lead_moves_through_it_by_its_criteria(session, settings, editor):
    update_stage(session, stage(session, "lead"), {"name": "Inquiry", "definition": "Anyone who asked us something."}, editor)
    create_stage(session, {"name": "Information qualified", "owner_team": "marketing", "after": "lead", "max_age_days": "30",
                           "definition": "Downloaded a guide or signed up for a webinar.",
                           "criteria": {"signals": "form:pricing-guide"}}, editor)  # fmt: skip
    form = create_form(session, {"name": "Pricing guide", "key": "pricing-guide", "fields": ["first_name"]})
    session.commit()
    assert keys(session) == ["subscriber", "lead", "information_qualified", "mql", "sql", "opportunity", "customer"]
    assert load_ladder(session).name("lead") == "Inquiry"

    lead = submit_form(session, form, {"email": "ann@example.com", "first_name": "Ann"}).lead
    session.commit()
    now = utcnow() + timedelta(seconds=1)
    [promotion] = evaluate_changed_leads(session, settings, now)
    session.refresh(lead)
    assert (promotion.stage, lead.lifecycle_stage, lead.owner_team, lead.stage_entered_at) == (
        "information_qualified", "information_qualified", "marketing", now)  # fmt: skip
    moved = session.scalar(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "stage_changed"))
    assert moved.data == {"lifecycle_stage": ["lead", "information_qualified"]}
    assert "Information qualified" in moved.reason and "form 'pricing-guide'" in moved.reason

    add_clicks(session, lead, 3, now)  # the form's 20 points and 15 more: past the MQL threshold, the next stage
    later = now + timedelta(seconds=1)
    [mql] = evaluate_changed_leads(session, settings, later)
    session.refresh(lead)
    assert (mql.stage, lead.lifecycle_stage, lead.stage_entered_at) == ("mql", "mql", later)
    assert lead_counts(session) == {"mql": 1}
    assert stage_max_ages(session) == {"information_qualified": 30}

    audit = session.scalars(select(StageChange).order_by(StageChange.id)).all()
    assert [(c.stage_key, c.action, c.actor_user_id) for c in audit] == [("lead", "updated", editor.id),
                                                                         ("information_qualified", "created", editor.id)]  # fmt: skip
    assert (audit[0].before["name"], audit[0].after["name"], audit[1].before) == ("Lead", "Inquiry", None)


def test_a_whole_other_ladder_keeps_the_keys_so_history_reads_the_same(session, editor):
    lead = create_lead(session, validate_lead_input({"email": "old@example.com", "lifecycle_stage": "mql"}), reason="test")
    for key, name in (("lead", "Inquiry"), ("mql", "Qualified lead"), ("sql", "Prospect"), ("opportunity", "Proposal")):
        update_stage(session, stage(session, key), {"name": name}, editor)
    retire_stage(session, stage(session, "subscriber"), editor)
    session.commit()
    ladder = load_ladder(session)
    assert [s.name for s in ladder.active] == ["Inquiry", "Qualified lead", "Prospect", "Proposal", "Customer"]
    assert lead.lifecycle_stage == "mql" and ladder.name(lead.lifecycle_stage) == "Qualified lead"
    assert ladder.name("subscriber") == "Subscriber"  # retired, still named for the history that mentions it
    with pytest.raises(ValidationError) as retired:
        create_lead(session, validate_lead_input({"email": "new@example.com", "lifecycle_stage": "subscriber"}), reason="test")
    assert "Unknown stage" in retired.value.errors["lifecycle_stage"]
    restore_stage(session, stage(session, "subscriber"), editor)
    assert "subscriber" in keys(session)


def test_a_stage_retires_only_when_empty_and_never_a_built_in_one(session, editor):
    create_stage(session, {"name": "Nurture later", "owner_team": "marketing", "after": "lead"}, editor)
    lead = create_lead(session, validate_lead_input({"email": "w@example.com"}), reason="test")
    entered = lead.stage_entered_at
    apply_values(session, lead, validate_lead_input({"lifecycle_stage": "Nurture later"}, partial=True), reason="by hand")
    assert lead.lifecycle_stage == "nurture_later" and lead.stage_entered_at > entered
    with pytest.raises(ValidationError, match="1 lead"):
        retire_stage(session, stage(session, "nurture_later"), editor)
    with pytest.raises(ValidationError, match="built-in"):
        retire_stage(session, stage(session, "mql"), editor)
    with pytest.raises(ValidationError) as backward:
        apply_values(session, lead, validate_lead_input({"lifecycle_stage": "lead"}, partial=True), reason="by hand")
    assert "forward only" in backward.value.errors["lifecycle_stage"]


def test_reordering_moves_added_stages_and_keeps_the_built_in_order(session, editor):
    added = create_stage(session, {"name": "Sales accepted", "owner_team": "sales"}, editor)  # last
    move_stage(session, added, -1, editor)
    move_stage(session, added, -1, editor)
    assert keys(session) == ["subscriber", "lead", "mql", "sql", "sales_accepted", "opportunity", "customer"]
    with pytest.raises(ValidationError, match="keep their order"):
        move_stage(session, stage(session, "sql"), -1, editor)
    assert [c.action for c in session.scalars(select(StageChange).where(StageChange.stage_key == "sales_accepted"))] == [
        "created", "moved", "moved"]  # fmt: skip


def test_bad_stage_edits_are_refused_field_by_field_and_change_nothing(session, editor):
    with pytest.raises(ValidationError) as refused:
        create_stage(session, {"name": "", "key": "Bad Key", "owner_team": "finance", "max_age_days": "0", "after": "nowhere",
                               "criteria": {"score": "custom"}}, editor)  # fmt: skip
    assert set(refused.value.errors) == {"name", "owner_team", "max_age_days", "criteria.min_engagement"}
    with pytest.raises(ValidationError) as taken:
        create_stage(session, {"name": "MQL", "owner_team": "marketing", "after": "nowhere"}, editor)
    assert set(taken.value.errors) == {"key", "after"}
    assert keys(session) == DEFAULT_KEYS and session.scalar(select(StageChange)) is None
