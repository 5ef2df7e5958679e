"""A marketer builds a sequence in the browser, previews and test-sends it, activates it and enrolls leads
from a filter of the leads list (a bulk-enrollment job, run by a real RQ worker, with its progress page)."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Page, expect

from nurture.models import Role
from tests.browser.login import login


def fill_email(page: Page, step: int, subject: str, html: str) -> None:
    page.locator(f"#steps-{step}-variants-0-subject").fill(subject)
    page.locator(f"#steps-{step}-variants-0-html").fill(html)


def test_marketer_builds_previews_test_sends_activates_and_enrolls(live_app, open_page, shoot):
    marketer = live_app.account(Role.MARKETER)
    domain = f"{secrets.token_hex(4)}.example.com"  # the browser tests share a database: this run's leads only
    live_app.lead(f"ada@{domain}", first_name="Ada", last_name="Lovelace", source="webinar")
    live_app.lead(f"alan@{domain}", first_name="Alan", source="webinar")
    live_app.lead(f"grace@{domain}", first_name="Grace", source="referral")

    page = open_page()
    login(page, marketer)
    expect(page.get_by_role("heading", name="Sequences")).to_be_visible()  # a marketer lands on the campaigns

    # Build: email → branch (opened the welcome?) → follow-up email, or the end.
    page.get_by_role("link", name="New sequence").click()
    page.get_by_label("Name", exact=True).fill("Webinar follow-up")
    fill_email(page, 0, "Welcome, {{ lead.first_name }}", "<p>Thanks for joining the webinar, {{ lead.first_name }}.</p>")
    page.get_by_role("button", name="Branch", exact=True).click()
    expect(page.get_by_text("Added a branch step at the end.")).to_be_visible()
    page.get_by_role("button", name="Email", exact=True).click()
    expect(page.get_by_text("Added an email step at the end.")).to_be_visible()
    page.locator("#steps-1-cond_type").select_option("opened")
    expect(page.get_by_label("Lead field")).to_be_hidden()  # sequence_builder.js shows only the chosen condition's fields
    page.locator("#steps-1-cond_step").select_option("email-1")
    page.locator("#steps-1-then").select_option("email-2")
    page.locator("#steps-1-else").select_option("end")
    fill_email(page, 2, "The recording, {{ lead.first_name }}", "<p>Here is the recording.</p>")
    expect(page.locator("#steps-0-variants-0-subject")).to_have_value("Welcome, {{ lead.first_name }}")  # typed input kept
    # The live preview follows the typing (htmx), unsaved, for a lead the marketer picks.
    page.locator("#preview_lead").fill(f"ada@{domain}")
    expect(page.locator("#live-preview-subject")).to_have_text("Welcome, Ada")
    page.locator("#steps-0-variants-0-subject").fill("Hi {{ lead.first_name }}, welcome")
    expect(page.locator("#live-preview-subject")).to_have_text("Hi Ada, welcome")
    expect(page.frame_locator("#live-preview iframe").get_by_text("Thanks for joining the webinar, Ada.")).to_be_visible()
    shoot(page.locator("#live-preview"), "builder-live-preview")
    page.locator("#steps-0-variants-0-subject").fill("Welcome, {{ lead.first_name }}")
    expect(page.locator("#live-preview-subject")).to_have_text("Welcome, Ada")
    shoot(page, "builder")
    shoot(page.locator("section[aria-labelledby=steps-heading]"), "builder-steps")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("status").filter(has_text="created as a draft")).to_be_visible()
    expect(page.locator("ol.steps > li")).to_have_count(3)
    sequence_id = int(re.search(r"/sequences/(\d+)", page.url).group(1))

    # Preview for a chosen lead, then test-send that rendering to the marketer.
    page.get_by_role("link", name="Preview and test send").click()
    page.get_by_label("Lead (search by email or name)").fill(f"ada@{domain}")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#preview-subject")).to_have_text("Welcome, Ada")
    expect(page.frame_locator("iframe.mail-frame").get_by_text("Thanks for joining the webinar, Ada.")).to_be_visible()
    shoot(page, "preview")
    page.get_by_role("button", name=f"Send a test to {marketer.email}").click()
    expect(page.get_by_role("status").filter(has_text=f"Test sent to {marketer.email}")).to_be_visible()
    tests = [r for r in live_app.smtp.received if marketer.email in r.rcpt_tos]
    assert [r.message["Subject"] for r in tests] == ["[Test] Welcome, Ada"]
    assert "Thanks for joining the webinar, Ada." in tests[0].message.get_body(("html",)).get_content()

    # Activate.
    page.get_by_role("link", name="Webinar follow-up").click()
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("h1 .badge")).to_have_text("Active")

    # Enroll the webinar leads from a filter: the leads list's search and source, then its enroll button.
    page.get_by_role("navigation").first.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_label("Search").fill(domain)
    page.get_by_label("Source").select_option("webinar")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#lead-results tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Enroll these 2 leads in a sequence…").click()
    expect(page.locator("[data-matching]")).to_have_text("2")
    page.get_by_label("Sequence").select_option(str(sequence_id))
    page.get_by_role("button", name="Enroll 2 leads").click()
    expect(page.get_by_role("heading", name="Enrolling leads in Webinar follow-up")).to_be_visible()
    live_app.work_off_jobs()  # the job runs in a real RQ worker; the page polls its progress and reloads when done
    expect(page.locator("[data-state-text]")).to_have_text("Finished")
    expect(page.locator('[data-count="enrolled"]')).to_have_text("2")
    expect(page.locator('[data-count="skipped"]')).to_have_text("0")
    expect(page.locator('[data-count="refused"]')).to_have_text("0")
    shoot(page, "enroll-progress")
    page.get_by_role("link", name="See the sequence's enrollments").click()
    expect(page.locator('#step-counts tr[data-step="email-1"] td[data-count="waiting"]')).to_have_text("2")
    expect(page.get_by_role("link", name=f"ada@{domain}")).to_be_visible()
    expect(page.get_by_text(f"grace@{domain}")).to_have_count(0)
    shoot(page, "enrollments")
