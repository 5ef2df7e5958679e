"""Cadence step kinds and options in a definition: parsed into typed steps, or refused with a message at the field."""

from __future__ import annotations

import pytest

from campaigns.definitions import parse_definition
from campaigns.steps import EmailStep, TaskStep
from campaigns.threading import reply_subject
from nurture.errors import ValidationError

FOOTER = "<p>{{ postal_address }} <a href='{{ unsubscribe_url }}'>Unsubscribe</a></p>"
EMAIL = {"type": "email", "subject": "Hi", "html": "<p>Hi</p>" + FOOTER}


def errors_of(definition) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        parse_definition(definition)
    return refused.value.errors


def test_every_task_kind_and_option_parses():
    definition = parse_definition({"window_timezone": "rep", "steps": [
        {"id": "ring", "type": "call", "instructions": "Ask for Sam"},
        {"id": "li", "type": "social", "network": "LinkedIn"},
        {"id": "todo", "type": "task", "title": "Research", "wait_for_previous_task": True},
        {"id": "mail", "type": "manual_email", "thread": True, "subject": "Hi", "html": "<p>x</p>" + FOOTER},
        {"id": "bump", **EMAIL, "thread": True, "wait_for_previous_task": True},
    ]})  # fmt: skip
    ring, li, todo, mail, bump = definition.steps
    assert ring == TaskStep("ring", "call", "Call", "Ask for Sam")
    assert (li.kind, li.title, li.network) == ("social", "LinkedIn touch", "LinkedIn")
    assert todo.wait_for_previous_task and not ring.wait_for_previous_task
    assert mail.thread and mail.variants[0].subject == "Hi"
    assert isinstance(bump, EmailStep) and bump.thread and bump.wait_for_previous_task
    assert definition.window_timezone == "rep"
    assert parse_definition({"steps": [EMAIL]}).window_timezone == "lead"


def test_bad_cadence_steps_are_refused_at_their_field():
    assert errors_of({"window_timezone": "company", "steps": [
        {"type": "task"},
        {"type": "social", "network": "x" * 51},
        {"type": "manual_email", "variants": [{"subject": "a", "html": "<p>a</p>"}]},
        {"type": "manual_email", "html": "<p>no subject</p>" + FOOTER},
        {**EMAIL, "thread": "yes"},
        {"type": "telegram"},
    ]}) == {
        "steps[0].title": "Required field missing",
        "steps[1].network": "Text of at most 50 characters on one line",
        "steps[2].variants": "A manual email has one template (subject, html, text)",
        "steps[3].subject": "Required field missing",
        "steps[4].thread": "true or false",
        "steps[5].type": "One of email, wait, branch, action, call, social, task, manual_email",
        "window_timezone": "lead (the lead's timezone) or rep (the owner's mailbox timezone)",
    }  # fmt: skip


def test_waiting_for_a_task_needs_a_task_step_before():
    assert errors_of({"steps": [{**EMAIL, "wait_for_previous_task": True}, {"type": "call"}]}) == {
        "steps[0].wait_for_previous_task": "No task step (call, social, task, manual_email) comes before this one"
    }


@pytest.mark.parametrize("subject, expected", [("Hello", "Re: Hello"), ("Re: Hello", "Re: Hello"),
                                               ("RE: re:  Hello", "Re: Hello"), ("Aw: Hallo", "Re: Hallo")])  # fmt: skip
def test_a_reply_subject_never_doubles_the_prefix(subject, expected):
    assert reply_subject(subject) == expected
