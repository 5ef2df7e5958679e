"""The planned timeline of an enrollment: the pure planner walked step by step, no clock, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from campaigns.definitions import parse_definition
from campaigns.forecast import forecast
from campaigns.planner import Calendar

DEFINITION = parse_definition({
    "send_window": {"days": ["tue", "wed", "thu"], "start": "09:00", "end": "11:00"},
    "steps": [
        {"id": "hello", "type": "email", "subject": "Hi", "html": "<p>Hi</p>"},
        {"id": "pause", "type": "wait", "amount": 1, "unit": "business_days"},
        {"id": "opened", "type": "branch", "condition": {"type": "opened", "step": "hello"}, "then": "tag", "else": "nudge"},
        {"id": "nudge", "type": "email", "subject": "Nudge", "html": "<p>Nudge</p>", "next": "end"},
        {"id": "tag", "type": "action", "action": "exit"},
        {"id": "never", "type": "email", "subject": "Never", "html": "<p>Never</p>"},
    ],
})  # fmt: skip
TOKYO = Calendar(tz=ZoneInfo("Asia/Tokyo"))
MONDAY_NOON_UTC = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday 21:00 in Tokyo


def test_each_step_is_planned_from_the_previous_one_in_the_lead_s_timezone():
    plan = forecast(DEFINITION, "hello", MONDAY_NOON_UTC, MONDAY_NOON_UTC, TOKYO, lambda branch: branch.otherwise)
    local = [(p.step.id, p.at.astimezone(TOKYO.tz).strftime("%a %H:%M")) for p in plan]
    assert local == [("hello", "Tue 09:00"), ("pause", "Wed 09:00"), ("opened", "Wed 09:00"), ("nudge", "Wed 09:00")]
    assert plan[2].note == "goes to 'nudge' as things stand"


def test_the_branch_follows_the_chosen_way_and_an_exit_ends_the_plan():
    plan = forecast(DEFINITION, "opened", MONDAY_NOON_UTC, MONDAY_NOON_UTC, TOKYO, lambda branch: branch.then)
    assert [p.step.id for p in plan] == ["opened", "tag"]


def test_nothing_is_planned_in_the_past():
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    plan = forecast(DEFINITION, "pause", long_ago, MONDAY_NOON_UTC, TOKYO, lambda branch: branch.otherwise)
    assert plan[0].at == MONDAY_NOON_UTC  # the wait is over: it ends now
    assert plan[-1].at.astimezone(TOKYO.tz).strftime("%a %H:%M") == "Tue 09:00"
