"""Configuring the pipeline: add, rename, probability, reorder, deactivate/reactivate with refusals; audited; keys never change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from nurture.definition_audit import recent_changes
from nurture.errors import ValidationError
from nurture.models import PipelineStage, Role, StageOutcome
from nurture.opportunities.changes import change_opportunity
from nurture.opportunities.pipeline import first_open_stage, pipeline
from nurture.opportunities.pipeline_edit import SUBJECT, add_stage, change_stage, move_stage, set_active
from tests.sales import opportunity, sales_lead

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def _stage(session, key):
    return session.scalar(select(PipelineStage).where(PipelineStage.key == key))


def test_rename_and_add_a_stage_then_an_opportunity_moves_into_it(session, make_account):
    admin, rep = make_account(Role.ADMIN).user, make_account(Role.REP).user
    assert change_stage(session, _stage(session, "discovery"), {"name": "Demo", "probability": "30"}, admin, NOW)
    added = add_stage(session, {"name": "Technical validation", "probability": 40, "after": "discovery"}, admin, NOW)
    session.commit()
    assert added.key == "technical_validation"
    assert [(s.key, s.name, s.probability) for s in pipeline(session)][1:4] == [
        ("discovery", "Demo", 30), ("technical_validation", "Technical validation", 40), ("proposal", "Proposal", 50)]  # fmt: skip
    deal = opportunity(session, sales_lead(session, rep), rep, NOW)
    changes = change_opportunity(session, deal, {"stage": "technical_validation"}, actor=rep, now=NOW, reason="t")
    session.commit()
    assert changes == {"stage": ["qualification", "technical_validation"]} and deal.stage.name == "Technical validation"
    rows = [(c.key, c.action, c.actor_user_id, c.before and c.before["name"], c.after["name"]) for c, _ in recent_changes(session, (SUBJECT,))]
    assert rows == [("technical_validation", "added", admin.id, None, "Technical validation"), ("discovery", "changed", admin.id, "Discovery", "Demo")]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"name": "", "probability": "101"}, {"name": "Required field missing", "probability": "A whole number from 0 to 100"}),
        ({"name": "X", "probability": -1}, {"probability": "A whole number from 0 to 100"}),
        ({"name": "Proposal", "probability": 5}, {"key": "Taken (keys are never reused, even by inactive stages): give another key"}),
        ({"name": "Y", "key": "Bad Key", "probability": 5, "after": "nowhere"}, {"key": "Lower-case letters, digits and _ (at most 40), starting with a letter",
                                                                                  "after": "One of qualification, discovery, proposal, negotiation, closed_won, closed_lost"}),
    ],
)
def test_bad_input_is_refused_per_field(session, data, errors):
    with pytest.raises(ValidationError) as exc:
        add_stage(session, data, None, NOW)
    assert exc.value.errors == errors


def test_deactivating_a_stage_in_use_or_the_last_won_lost_or_open_stage_is_refused(session, make_account):
    rep = make_account(Role.REP).user
    deal = opportunity(session, sales_lead(session, rep), rep, NOW, stage="proposal")
    with pytest.raises(ValidationError) as in_use:
        set_active(session, _stage(session, "proposal"), False, None, NOW)
    assert in_use.value.errors == {"active": "1 open deal(s) are in Proposal: move them to another stage first"}
    for key, word in (("closed_won", "Closed Won stage"), ("closed_lost", "Closed Lost stage")):
        with pytest.raises(ValidationError) as last:
            set_active(session, _stage(session, key), False, None, NOW)
        assert last.value.errors == {"active": f"{_stage(session, key).name} is the only active {word}: the pipeline needs it"}
    for key in ("qualification", "discovery", "negotiation"):
        assert set_active(session, _stage(session, key), False, None, NOW)
    change_opportunity(session, deal, {"stage": "closed_lost", "lost_reason": "Budget"}, actor=rep, now=NOW, reason="t")
    with pytest.raises(ValidationError) as last_open:  # empty now, but new deals need an open stage to start in
        set_active(session, _stage(session, "proposal"), False, None, NOW)
    assert "only active open stage" in last_open.value.errors["active"]
    session.add(PipelineStage(key="won_old", name="Won (old)", position=99, probability=100, outcome=StageOutcome.WON, active=False))
    with pytest.raises(ValidationError) as second_won:  # an inactive won stage from before stays so while another is active
        set_active(session, _stage(session, "won_old"), True, None, NOW)
    assert second_won.value.errors == {"active": "Another closed-won stage is active: exactly one may be (deactivate it first)"}


def test_an_inactive_stage_takes_no_deals_until_reactivated_and_moves_reorder(session, make_account):
    rep = make_account(Role.REP).user
    set_active(session, _stage(session, "qualification"), False, None, NOW)
    assert first_open_stage(session).key == "discovery"
    deal = opportunity(session, sales_lead(session, rep), rep, NOW)
    with pytest.raises(ValidationError):
        change_opportunity(session, deal, {"stage": "qualification"}, actor=rep, now=NOW, reason="t")
    set_active(session, _stage(session, "qualification"), True, None, NOW)
    move_stage(session, _stage(session, "negotiation"), -1, None, NOW)
    with pytest.raises(ValidationError) as first:
        move_stage(session, _stage(session, "qualification"), -1, None, NOW)
    assert first.value.errors == {"move": "Qualification is already first"}
    assert [s.key for s in pipeline(session)][:4] == ["qualification", "discovery", "negotiation", "proposal"]
    assert [c.action for c, _ in recent_changes(session, (SUBJECT,))] == ["moved", "reactivated", "deactivated"]
    assert not change_stage(session, _stage(session, "proposal"), {"name": "Proposal"}, None, NOW)  # nothing changed: no row
