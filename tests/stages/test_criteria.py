"""Entry criteria, pure: validated with per-field errors, judged (score, signals whatever the score, field
conditions), and said in words. No database."""

from __future__ import annotations

import pytest

from nurture.errors import ValidationError
from nurture.handoff.thresholds import Thresholds
from nurture.stages.criteria import Criteria, LeadFacts, Signals, describe

POLICY = Thresholds()  # MQL 30, sales-ready 50 with fit ≥ 0
NONE = Signals()


def facts(engagement=0, fit=0, signals=NONE, **fields):
    return LeadFacts(engagement, fit, fields, signals)


def test_the_policy_modes_follow_the_scoring_thresholds_and_custom_ones_are_the_stages_own():
    mql, sales = Criteria(score="policy_mql"), Criteria(score="policy_sales_ready")
    assert mql.met_by(facts(29), POLICY) is None and mql.met_by(facts(30), POLICY)
    assert sales.met_by(facts(50, fit=-1), POLICY) is None and sales.met_by(facts(50), POLICY)
    assert sales.met_by(facts(40), Thresholds(sales_ready_engagement=40))  # Admin → Scoring moves the stage's bar too
    own = Criteria.from_dict({"score": "custom", "min_engagement": "10", "min_fit": ""})
    assert (own.min_engagement, own.min_fit) == (10, None) and own.met_by(facts(10, fit=-50), POLICY)


def test_a_signal_enters_whatever_the_score_and_a_group_needs_every_event():
    criteria = Criteria.from_dict({"score": "policy_sales_ready", "signals": "form:demo-request\npage:/pricing + reply"})
    assert criteria.signals == (("form:demo-request",), ("page:/pricing", "reply"))
    demo = Signals(forms=frozenset({"demo-request"}))
    assert "form 'demo-request'" in criteria.met_by(facts(0, signals=demo), POLICY)
    assert criteria.met_by(facts(0, signals=Signals(pages=("https://x.test/pricing?plan=pro",))), POLICY) is None  # a visit alone
    both = Signals(pages=("https://x.test/Pricing",), replied=True)
    assert "reply" in criteria.met_by(facts(0, signals=both), POLICY)


def test_field_conditions_must_hold_for_scores_and_signals_alike():
    criteria = Criteria.from_dict({"score": "custom", "min_engagement": 5, "signals": [["reply"]], "fields": "country in DE, AT\ntitle exists"})
    replied = Signals(replied=True)
    assert criteria.met_by(facts(50, country="FR", title="CTO"), POLICY) is None
    assert criteria.met_by(facts(0, signals=replied, country="AT", title=None), POLICY) is None
    assert criteria.met_by(facts(0, signals=replied, country="AT", title="CTO"), POLICY)
    assert Criteria.from_dict({"fields": [{"field": "country", "op": "equals", "value": "DE"}]}).met_by(facts(country="de"), POLICY)


def test_no_criteria_means_entered_by_an_action_only():
    assert not Criteria().automatic and Criteria().met_by(facts(100, 100), POLICY) is None
    assert describe(Criteria(), POLICY) == ["Entered by an action (a rep, a sequence step, qualification, a won deal), not automatically."]


def test_bad_criteria_name_every_bad_field():
    with pytest.raises(ValidationError) as refused:
        Criteria.from_dict({"score": "loud", "min_fit": "x", "signals": "form:\nreply + dance", "fields": "colour equals red\ncountry gte"})
    assert set(refused.value.errors) == {"score", "min_fit", "signals[0]", "signals[1]", "fields[0].field", "fields[1].value"}
    with pytest.raises(ValidationError) as empty:
        Criteria.from_dict({"score": "custom"})
    assert set(empty.value.errors) == {"min_engagement"}


def test_criteria_read_back_equal_and_in_words():
    criteria = Criteria.from_dict({"score": "policy_sales_ready", "signals": [["form:demo-request"]], "fields": "company_size gte 50"})
    assert Criteria.from_dict(criteria.to_dict()) == criteria
    assert describe(criteria, POLICY) == [
        "Score: engagement ≥ 50 and fit ≥ 0 (the sales-ready thresholds of Admin → Scoring).",
        "Or at once, whatever the score, on a submission of form 'demo-request'.",
        "Only when company_size gte 50.",
    ]
