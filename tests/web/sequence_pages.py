"""Helpers for the sequence page tests: sequences and leads made by the engine, and pressing the builder's buttons."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from campaigns.models import Sequence
from campaigns.sequences import activate, create_sequence
from nurture.db.base import utcnow
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from tests.web.page_forms import PageForm

WELCOME_HTML = "<p>Hello {{ lead.first_name | default('there') }}, here is <a href='https://example.com/guide'>the guide</a>.</p>"
DEFINITION = {
    "send_window": {"days": ["tue", "wed", "thu"], "start": "09:00", "end": "11:00", "skip_holidays": True},
    "steps": [
        {"id": "welcome", "type": "email", "subject": "Welcome {{ lead.first_name }}", "html": WELCOME_HTML},
        {"id": "pause", "type": "wait", "amount": 2, "unit": "business_days"},
        {"id": "nudge", "type": "email", "subject": "Did you see this?", "html": "<p>In case you missed it</p>"},
    ],
}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def make_sequence(session, definition=DEFINITION, name="Welcome", active=True) -> Sequence:
    sequence = create_sequence(session, {"name": name, "definition": definition})
    if active:
        activate(session, sequence, utcnow())
    session.commit()
    return sequence


def make_lead(session, email: str, **fields):
    lead = create_lead(session, validate_lead_input({"email": email, **fields}), reason="test")
    session.commit()
    return lead


def press(client, url: str, page: str, op: str, changes: dict | None = None):
    """Fill in the page's builder form and press the button ``op`` (save, add-wait, up-1…)."""
    form = PageForm(page).update(changes or {})
    return client.post(url, data=form.data(op))


def step_ids(page: str) -> list[str]:
    return re.findall(r'name="steps-\d+-id" type="text" value="([^"]*)"', page)


