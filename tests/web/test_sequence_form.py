"""The builder's form fields and the engine's definitions say the same thing, both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from campaigns.definitions import parse_definition
from nurture.web.admin.sequences.form import definition_from_values, values_from_definition
from nurture.web.admin.sequences.form_ops import apply_op, arrange_errors
from tests.web.sequence_pages import DEFINITION

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "campaigns" / "examples").glob("*.yaml"))
EVERYTHING = {
    "layout": "<div>{{ content }}<p>{{ postal_address }} <a href='{{ unsubscribe_url }}'>Unsubscribe</a></p></div>",
    "from_name": "Ada at Acme", "from_email": "ada@acme.example", "timezone": "Europe/Paris", "topic": "product updates",
    "send_window": {"days": [1, 2, 3], "start": "08:30", "end": "24:00", "skip_holidays": False},
    "goals": [{"type": "replied"}, {"type": "stage_reached", "stage": "mql"}],
    "entry_rules": [{"source": "webinar"}, {"field": "country", "equals": "FR"}],
    "steps": [
        {"id": "ab", "type": "email", "variants": [{"id": "x", "subject": "X", "html": "<p>X</p>", "text": "X!", "weight": 3},
                                                    {"id": "y", "subject": "Y", "html": "<p>Y</p>", "weight": 1}]},
        {"id": "w", "type": "wait", "amount": 90, "unit": "minutes"},
        {"id": "f", "type": "branch", "condition": {"type": "field", "field": "country", "op": "in", "value": ["FR", "BE"]},
         "then": "tag", "else": "end"},
        {"id": "tag", "type": "action", "action": "add_tag", "tag": "francophone"},
        {"id": "note", "type": "action", "action": "notify_owner", "message": "Look at this one"},
        {"id": "status", "type": "action", "action": "set_status", "status": "attempting", "next": "end"},
    ],
}  # fmt: skip
FOOTER = "<p>{{ postal_address }} <a href='{{ unsubscribe_url }}'>Unsubscribe</a></p>"
CADENCE = {
    "window_timezone": "rep",
    "steps": [
        {"id": "hi", "type": "email", "subject": "Hi", "html": "<p>Hi</p>" + FOOTER},
        {"id": "ring", "type": "call", "title": "Call", "instructions": "Ask about budget\nand timing"},
        {"id": "li", "type": "social", "title": "Connect", "network": "LinkedIn", "wait_for_previous_task": True},
        {"id": "todo", "type": "task", "title": "Research"},
        {"id": "mail", "type": "manual_email", "thread": True, "subject": "Re", "html": "<p>x</p>" + FOOTER, "text": "x"},
        {"id": "bump", "type": "email", "thread": True, "wait_for_previous_task": True, "subject": "B", "html": "<p>b</p>" + FOOTER},
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    "definition",
    [DEFINITION, EVERYTHING, CADENCE, *(yaml.safe_load(path.read_text())["definition"] for path in EXAMPLES)],
    ids=["welcome", "everything", "cadence", *(path.stem for path in EXAMPLES)],
)
def test_a_definition_survives_the_form_unchanged_in_meaning(definition):
    values = values_from_definition("Name", "nurture", "never", definition)
    assert parse_definition(definition_from_values(values)) == parse_definition(definition)


def test_errors_go_next_to_the_fields_of_their_step():
    values = values_from_definition("Name", "nurture", "never", EVERYTHING)
    page, cards = arrange_errors(
        {"name": "Required field missing", "definition.steps[0].variants[1].subject": "Required field missing",
         "definition.steps[1].amount": "Wrong type", "definition.steps[2].layout": "odd",
         "definition.send_window": "start and end are HH:MM local times"},
        values,
    )  # fmt: skip
    assert page == {"name": "Required field missing", "send_window": "start and end are HH:MM local times"}
    assert cards[0] == {"variants[1].subject": "Required field missing"}
    assert cards[1] == {"amount": "Enter a whole number"}
    assert cards[2] == {"": "layout: odd"}  # no field shows it: the head of the card does


def test_buttons_change_the_steps_and_say_what_they_did():
    values = values_from_definition("Name", "nurture", "never", DEFINITION)
    assert apply_op(values, "up-0") == "That step is already at the top."
    assert apply_op(values, "add-branch") == "Added a branch step at the end."
    assert [s["id"] for s in values["steps"]] == ["welcome", "pause", "nudge", "branch-1"]
    assert apply_op(values, "add-variant-0") == "Added an A/B variant."
    assert [v["id"] for v in values["steps"][0]["variants"]] == ["a", "b"]
    assert apply_op(values, "remove-variant-0-0") == "Removed a variant."
    assert apply_op(values, "remove-variant-0-0") == "An email step needs at least one version."
    assert apply_op(values, "remove-9") is None and apply_op(values, "teleport") is None
