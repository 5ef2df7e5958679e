"""The builder's live preview: the email as typed, unsaved, rendered for a chosen lead under a no-script frame policy."""

from __future__ import annotations

import html

import pytest

from campaigns.models import Sequence
from nurture.models import Role
from tests.conftest import login
from tests.web.sequence_pages import WELCOME_HTML, count, make_lead, press


@pytest.fixture
def marketer(make_account):
    return make_account(Role.MARKETER, "marketer@example.com")


def test_the_typed_email_is_rendered_for_the_chosen_lead_and_nothing_is_saved(client, session, marketer):
    make_lead(session, "ada@example.com", first_name="Ada")
    login(client, marketer)
    page = client.get("/sequences/new").get_data(as_text=True)
    assert 'id="live-preview"' in page and "Type a lead" not in page  # asked for nothing yet

    typed = {"name": "Spring", "steps-0-id": "welcome", "steps-0-variants-0-subject": "Welcome {{ lead.first_name }}",
             "steps-0-variants-0-html": WELCOME_HTML.replace("<p>", "<p>Hello {{ lead.first_name | default('there') }}. ", 1),
             "preview_lead": "ada@example"}  # fmt: skip
    response = press(client, "/sequences/new", page, "preview", typed)
    shown = response.get_data(as_text=True)
    assert response.status_code == 200 and count(session, Sequence) == 0  # a preview saves nothing
    assert '<dd class="wrap" id="live-preview-subject">Welcome Ada</dd>' in shown
    frame = html.unescape(shown.split('srcdoc="')[1].split('"')[0])
    # The frame's own policy (its attribute entities are decoded by the frame's parser): no scripts, no fetches.
    assert html.unescape(frame).startswith('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'')
    assert "Hello Ada." in frame
    assert 'value="Welcome {{ lead.first_name }}"' in shown  # what was typed is still in the form

    unknown = press(client, "/sequences/new", shown, "preview", {"preview_lead": "nobody@nowhere.test"}).get_data(as_text=True)
    assert "No lead matches" in unknown and "srcdoc" not in unknown
    broken = press(client, "/sequences/new", shown, "preview", {"steps-0-variants-0-subject": "{{ lead.first_name"}).get_data(as_text=True)
    assert "srcdoc" not in broken and 'class="error">' in broken.split('id="live-preview"')[1]
