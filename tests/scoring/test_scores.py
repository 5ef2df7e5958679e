"""Scores that decay, cap, and explain themselves; fit from rules; grade and temperature from bands."""

from datetime import UTC, datetime, timedelta

import pytest

from nurture.errors import ValidationError
from nurture.scoring.engagement import Engagement, engagement_score
from nurture.scoring.fit import band, fit_score
from nurture.scoring.rules import ScoringRules

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def test_points_lose_half_their_value_every_half_life():
    rules = ScoringRules()
    fresh = engagement_score([Engagement("click", NOW)], NOW, rules)
    month_old = engagement_score([Engagement("click", NOW - timedelta(days=30))], NOW, rules)
    two_months = engagement_score([Engagement("click", NOW - timedelta(days=60))], NOW, rules)
    assert [c.value_now for c in fresh.contributions] == [5]
    assert month_old.contributions[0].value_now == pytest.approx(2.5)
    assert two_months.contributions[0].value_now == pytest.approx(1.25)


def test_per_type_and_total_caps_are_explained_lines():
    rules = ScoringRules()
    opens = [Engagement("open", NOW - timedelta(minutes=n)) for n in range(40)]
    explanation = engagement_score(opens, NOW, rules)
    assert explanation.score == 10
    assert explanation.contributions[-1].kind == "cap" and "at most 10" in explanation.contributions[-1].description
    big = engagement_score([Engagement("meeting_booked", NOW)] * 4, NOW, rules)
    assert big.score == 100 and big.contributions[-1].description == "engagement counts for at most 100"


def test_the_contributions_sum_to_the_score_and_unsubscribes_subtract():
    rules = ScoringRules()
    events = [Engagement("click", NOW - timedelta(days=3)), Engagement("reply", NOW - timedelta(days=1)),
              Engagement("unsubscribe", NOW), Engagement("open", NOW + timedelta(days=1))]  # fmt: skip
    explanation = engagement_score(events, NOW, rules)
    assert len(explanation.contributions) == 3  # a future event does not count yet
    assert explanation.score == round(sum(c.value_now for c in explanation.contributions))
    assert explanation.score < 0


def test_fit_rules_add_and_subtract_and_bands_derive_grade_and_temperature():
    rules = ScoringRules.from_dict({"fit_rules": [
        {"field": "title", "op": "contains", "value": ["VP", "Head", "Chief"], "points": 25, "label": "Senior title"},
        {"field": "company_size", "op": "gte", "value": 200, "points": 20},
        {"field": "budget", "op": "exists", "points": 15},
        {"field": "country", "op": "in", "value": ["KP", "IR"], "points": -100, "label": "Sanctioned country"},
    ]})  # fmt: skip
    strong = fit_score({"title": "VP Marketing", "company_size": 500, "budget": "50k", "country": "DE"}, rules)
    assert strong.score == 60 and band(strong.score, rules.grade_bands) == "A"
    weak = fit_score({"title": "Intern", "company_size": "n/a", "country": "kp"}, rules)
    assert weak.score == -100 and band(weak.score, rules.grade_bands) == "D"
    assert band(55, rules.temperature_bands) == "hot" and band(25, rules.temperature_bands) == "warm"
    assert band(0, rules.temperature_bands) == "cold"


def test_bad_rules_are_refused_with_the_place():
    with pytest.raises(ValidationError) as refused:
        ScoringRules.from_dict({"points": {"tweet": 3, "click": "lots"}, "half_life_days": 0,
                                "fit_rules": [{"field": "title", "op": "sounds_like", "points": 1}, {"field": "x", "points": 1.5}]})  # fmt: skip
    assert set(refused.value.errors) == {"points.tweet", "points.click", "half_life_days", "fit_rules[0].op", "fit_rules[1].field", "fit_rules[1].value",
                                         "fit_rules[1].points"}  # fmt: skip
