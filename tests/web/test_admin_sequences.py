"""Marketers build sequences in the browser: the form posts a page offers, validated by the engine, saved as versions."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.models import Sequence, SequenceStatus, SequenceVersion
from nurture.db.base import utcnow
from nurture.models import Role
from tests.conftest import login
from tests.web.page_forms import PageForm
from tests.web.sequence_pages import DEFINITION, WELCOME_HTML, count, make_lead, make_sequence, press, step_ids


@pytest.fixture
def marketer(make_account):
    return make_account(Role.MARKETER, "marketer@example.com")


def test_a_marketer_builds_email_wait_branch_email_through_the_form(client, session, marketer):
    login(client, marketer)
    page = client.get("/sequences/new").get_data(as_text=True)
    assert step_ids(page) == ["email-1"]  # a new sequence starts with one email

    response = press(client, "/sequences/new", page, "add-wait", {
        "name": "Spring nurture", "steps-0-id": "welcome", "steps-0-variants-0-subject": "Welcome {{ lead.first_name }}",
        "steps-0-variants-0-html": WELCOME_HTML,
    })  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Added a wait step at the end. Not saved yet" in page
    assert step_ids(page) == ["welcome", "wait-1"] and count(session, Sequence) == 0
    page = press(client, "/sequences/new", page, "add-branch", {"steps-1-amount": "2", "steps-1-unit": "business_days"}).get_data(as_text=True)
    page = press(client, "/sequences/new", page, "add-email").get_data(as_text=True)
    assert step_ids(page) == ["welcome", "wait-1", "branch-1", "email-1"]
    assert 'value="Welcome {{ lead.first_name }}"' in page  # what was typed two posts ago is still there

    response = press(client, "/sequences/new", page, "save", {
        "steps-2-cond_type": "clicked", "steps-2-cond_step": "welcome", "steps-2-within_days": "3",
        "steps-2-then": "end", "steps-2-else": "email-1",
        "steps-3-variants-0-subject": "Did you see this?", "steps-3-variants-0-html": "<p>In case you missed it</p>",
        "days": ["tue", "wed", "thu"], "start": "09:00", "end": "11:00", "timezone": "Europe/Berlin",
        "goal_clicked": "on", "goal_stage": "sql",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    sequence = session.scalar(select(Sequence))
    assert response.headers["Location"] == f"/sequences/{sequence.id}"
    assert sequence.name == "Spring nurture" and sequence.status == SequenceStatus.DRAFT
    version = session.get(SequenceVersion, sequence.current_version_id)
    assert version.number == 1
    assert version.definition == {
        "steps": [
            {"id": "welcome", "type": "email", "subject": "Welcome {{ lead.first_name }}", "html": WELCOME_HTML},
            {"id": "wait-1", "type": "wait", "amount": 2, "unit": "business_days"},
            {"id": "branch-1", "type": "branch", "condition": {"type": "clicked", "step": "welcome", "within_days": 3},
             "then": "end", "else": "email-1"},
            {"id": "email-1", "type": "email", "subject": "Did you see this?", "html": "<p>In case you missed it</p>"},
        ],
        "timezone": "Europe/Berlin",
        "send_window": {"days": ["tue", "wed", "thu"], "start": "09:00", "end": "11:00", "skip_holidays": True},
        "goals": [{"type": "clicked"}, {"type": "stage_reached", "stage": "sql"}],
    }  # fmt: skip
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "created as a draft (version 1)" in shown
    assert step_ids(shown) == ["welcome", "wait-1", "branch-1", "email-1"]  # the saved definition reads back into the form


def test_bad_input_is_refused_next_to_its_field_and_nothing_typed_is_lost(client, session, marketer):
    login(client, marketer)
    page = client.get("/sequences/new").get_data(as_text=True)
    page = press(client, "/sequences/new", page, "add-wait").get_data(as_text=True)
    page = press(client, "/sequences/new", page, "add-branch").get_data(as_text=True)
    typed = "<p>Dear {{ lead.first_name }}, a long letter I do not want to type twice.</p>"
    response = press(client, "/sequences/new", page, "save", {
        "name": "Half done", "steps-0-variants-0-subject": "", "steps-0-variants-0-html": typed,
        "steps-1-amount": "soon", "steps-2-then": "nowhere", "timezone": "Mars/Olympus", "end": "25:00",
    })  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert count(session, Sequence) == 0
    assert "Not saved: please correct the fields marked below." in page
    assert '<p class="field-error" id="steps-0-variants-0-subject-error">Required field missing</p>' in page
    assert '<p class="field-error" id="steps-1-amount-error">Enter a whole number</p>' in page
    assert 'id="steps-2-cond_step-error">Must name an email step of this sequence' not in page  # not every field errs
    assert 'id="timezone-error">An IANA timezone' in page
    assert 'id="end-error">start and end are HH:MM local times' in page
    # Everything typed comes back: the name, the HTML, the bad amount, the bad hour.
    form = PageForm(page)
    assert form.get("name") == "Half done" and form.get("steps-0-variants-0-html") == typed
    assert form.get("steps-1-amount") == "soon" and form.get("end") == "25:00" and form.get("timezone") == "Mars/Olympus"


def test_a_layout_without_the_unsubscribe_link_is_refused_with_the_rule_s_message(client, session, marketer):
    login(client, marketer)
    page = client.get("/sequences/new").get_data(as_text=True)
    response = press(client, "/sequences/new", page, "save", {
        "name": "No footer", "steps-0-variants-0-subject": "Hi", "layout": "<html><body>{{ content }}</body></html>",
    })  # fmt: skip
    assert response.status_code == 422 and count(session, Sequence) == 0
    page = response.get_data(as_text=True)
    message = (
        "The email must include the unsubscribe link {{ unsubscribe_url }} and the postal address {{ postal_address }}"
    )
    assert f'<p class="field-error" id="steps-0-variants-0-html-error">{message}</p>' in page
    assert PageForm(page).get("layout") == "<html><body>{{ content }}</body></html>"


def test_steps_move_up_and_down_and_are_removed_before_saving(client, session, marketer):
    sequence = make_sequence(session, active=False)
    login(client, marketer)
    url = f"/sequences/{sequence.id}"
    page = client.get(url).get_data(as_text=True)
    assert step_ids(page) == ["welcome", "pause", "nudge"]

    page = press(client, url, page, "down-0").get_data(as_text=True)
    assert step_ids(page) == ["pause", "welcome", "nudge"] and "Moved step 'welcome' down." in html.unescape(page)
    page = press(client, url, page, "up-2").get_data(as_text=True)
    assert step_ids(page) == ["pause", "nudge", "welcome"]
    assert session.get(SequenceVersion, sequence.current_version_id).number == 1  # nothing saved while arranging
    page = press(client, url, page, "remove-0").get_data(as_text=True)
    assert step_ids(page) == ["nudge", "welcome"]

    response = press(client, url, page, "save")
    assert response.status_code == 302
    session.refresh(sequence)
    version = session.get(SequenceVersion, sequence.current_version_id)
    assert version.number == 2 and [s["id"] for s in version.definition["steps"]] == ["nudge", "welcome"]


def test_editing_a_sequence_with_enrolled_leads_makes_a_new_version_they_do_not_get(client, session, marketer):
    sequence = make_sequence(session)
    lead = make_lead(session, "ada@example.com", first_name="Ada")
    enrollment = enroll(session, sequence, lead, now=utcnow(), by="test")
    session.commit()
    first_version = sequence.current_version_id
    login(client, marketer)
    url = f"/sequences/{sequence.id}"
    page = client.get(url).get_data(as_text=True)
    assert "1 lead(s) are enrolled. Saving changed steps makes a new version" in page
    assert "(version 2); the leads already enrolled finish the version they started." in page

    response = press(client, url, page, "save", {"steps-2-variants-0-subject": "Still interested, {{ lead.first_name }}?"})
    assert response.status_code == 302
    shown = client.get(url).get_data(as_text=True)
    assert "Saved as version 2. The 1 lead(s) enrolled in version 1 finish that version; new enrollments get version 2." in shown
    session.refresh(sequence)
    session.refresh(enrollment)
    assert enrollment.version_id == first_version and sequence.current_version_id != first_version
    assert session.get(SequenceVersion, sequence.current_version_id).definition["steps"][2]["subject"].startswith("Still")

    again = press(client, url, shown, "save", {"name": "Welcome (renamed)"})
    assert again.status_code == 302
    assert "Saved (the steps did not change, so no new version)." in client.get(url).get_data(as_text=True)
    assert count(session, SequenceVersion) == 2
    session.refresh(sequence)
    assert sequence.name == "Welcome (renamed)"


def test_ab_variants_are_added_with_weights_and_saved_as_variants(client, session, marketer):
    sequence = make_sequence(session, active=False)
    login(client, marketer)
    url = f"/sequences/{sequence.id}"
    page = press(client, url, client.get(url).get_data(as_text=True), "add-variant-0").get_data(as_text=True)
    assert "Added an A/B variant." in page
    response = press(client, url, page, "save", {
        "steps-0-variants-0-weight": "70", "steps-0-variants-1-weight": "30",
        "steps-0-variants-1-subject": "A shorter hello", "steps-0-variants-1-html": "<p>Hi</p>",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(sequence)
    step = session.get(SequenceVersion, sequence.current_version_id).definition["steps"][0]
    assert [(v["id"], v["weight"], v["subject"]) for v in step["variants"]] == [
        ("a", 70, "Welcome {{ lead.first_name }}"), ("b", 30, "A shorter hello")
    ]


def test_actions_of_every_kind_are_offered_and_saved(client, session, marketer):
    make_sequence(session, name="Sales follow-up", active=False)
    sequence = make_sequence(session, active=False)
    login(client, marketer)
    url = f"/sequences/{sequence.id}"
    page = client.get(url).get_data(as_text=True)
    for _ in range(3):
        page = press(client, url, page, "add-action").get_data(as_text=True)
    response = press(client, url, page, "save", {
        "steps-3-action": "add_score", "steps-3-points": "15",
        "steps-4-action": "enroll", "steps-4-sequence": "Sales follow-up",
        "steps-5-action": "set_stage", "steps-5-stage": "mql",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(sequence)
    steps = session.get(SequenceVersion, sequence.current_version_id).definition["steps"][3:]
    assert steps == [
        {"id": "action-1", "type": "action", "action": "add_score", "points": 15},
        {"id": "action-2", "type": "action", "action": "enroll", "sequence": "Sales follow-up"},
        {"id": "action-3", "type": "action", "action": "set_stage", "stage": "mql"},
    ]


def test_status_buttons_activate_pause_resume_and_archive_with_csrf(client, session, marketer):
    sequence = make_sequence(session, active=False)
    login(client, marketer)
    page = client.get("/sequences/").get_data(as_text=True)
    assert "Welcome" in page and "Draft" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    url = f"/sequences/{sequence.id}/status"
    assert client.post(url, data={"action": "activate"}).status_code == 400  # no CSRF token: refused
    for action, status in (("activate", "active"), ("pause", "paused"), ("resume", "active"), ("pause", "paused"), ("archive", "archived")):
        response = client.post(url, data={"action": action, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == "/sequences/"
        session.refresh(sequence)
        assert sequence.status.value == status, action
    refused = client.post(url, data={"action": "pause", "csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "Only an active sequence can be paused (it is archived)" in refused


def test_the_list_shows_version_live_enrollments_and_sent_counts(client, session, marketer):
    sequence = make_sequence(session)
    for n in range(3):
        enroll(session, sequence, make_lead(session, f"lead{n}@example.com"), now=utcnow(), by="test")
    session.commit()
    login(client, marketer)
    page = client.get("/sequences/").get_data(as_text=True)
    row = page.split(f'href="/sequences/{sequence.id}"')[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[2] == "1"  # version
    assert 'enrollments">3</a>' in cells[3] and cells[4] == "0"
    assert 'value="pause"' in row


def test_reps_may_not_build_sequences(client, session, make_account):
    sequence = make_sequence(session)
    lead = make_lead(session, "ada@example.com")
    enrollment = enroll(session, sequence, lead, now=utcnow(), by="test")
    session.commit()
    login(client, make_account(Role.REP, "rep@example.com"))
    base = f"/sequences/{sequence.id}"
    for url in ("/sequences/", "/sequences/new", base, f"{base}/preview", f"{base}/enrollments", f"{base}/enrollments/{enrollment.id}"):
        assert client.get(url).status_code == 403, url
    page = client.get("/leads/").get_data(as_text=True)
    assert 'href="/sequences/"' not in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]  # a valid token: only the role refuses
    for url, data in ((base, {"name": "X", "op": "save"}), (f"{base}/status", {"action": "archive"}),
                      (f"{base}/test-send", {"lead_id": str(lead.id)}), ("/sequences/new", {"name": "X"})):  # fmt: skip
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    session.refresh(sequence)
    assert sequence.status == SequenceStatus.ACTIVE and count(session, SequenceVersion) == 1


def test_marketers_see_sequences_in_the_navigation(client, marketer):
    login(client, marketer)
    assert 'href="/sequences/"' in client.get("/leads/").get_data(as_text=True)
    assert client.get("/sequences/").status_code == 200
    assert client.get("/sequences/424242").status_code == 404


def test_saving_an_api_made_definition_unchanged_makes_no_new_version(client, session, marketer):
    spelled_by_the_api = {**DEFINITION, "send_window": {"days": [2, 3, 4], "start": "9:00", "end": "11:00"}}
    sequence = make_sequence(session, spelled_by_the_api, active=False)
    login(client, marketer)
    url = f"/sequences/{sequence.id}"
    page = client.get(url).get_data(as_text=True)
    assert PageForm(page).getlist("days") == ["tue", "wed", "thu"]
    assert press(client, url, page, "save").status_code == 302
    assert "Saved (the steps did not change, so no new version)." in client.get(url).get_data(as_text=True)
    assert count(session, SequenceVersion) == 1


def test_cadence_steps_are_added_edited_and_saved_through_the_form(client, session, marketer):
    sequence = make_sequence(session, active=False)
    login(client, marketer)
    url = f"/sequences/{sequence.id}"
    page = client.get(url).get_data(as_text=True)
    for kind in ("call", "manual_email"):
        page = press(client, url, page, f"add-{kind}").get_data(as_text=True)
    assert "Wait until the previous task is done" in page and "Reply in the thread of the first email" in page
    response = press(client, url, page, "save", {
        "window_timezone": "rep",
        "steps-3-title": "Call Sam", "steps-3-instructions": "Budget?",
        "steps-4-wait_for_previous_task": "on", "steps-4-thread": "on",
        "steps-4-variants-0-subject": "Hi {{ lead.first_name }}",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(sequence)
    definition = session.get(SequenceVersion, sequence.current_version_id).definition
    assert definition["window_timezone"] == "rep"
    assert definition["steps"][3] == {"id": "call-1", "type": "call", "title": "Call Sam", "instructions": "Budget?"}
    manual = definition["steps"][4]
    assert manual["type"] == "manual_email" and manual["thread"] is True and manual["wait_for_previous_task"] is True
    assert manual["subject"] == "Hi {{ lead.first_name }}" and manual["title"] == "Send an email"
