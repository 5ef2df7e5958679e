"""The admin as people meet it: a home per role, the keyboard, a phone, and the leads search with and without JS."""

from __future__ import annotations

import secrets

from playwright.sync_api import Page, expect

from nurture.models import Role
from tests.browser.backends import on_one_backend
from tests.browser.chromium import PHONE
from tests.browser.login import login

pytestmark = on_one_backend

# List pages a marketer reaches from the navigation (the rep's Today is checked in its own test).
LIST_PAGES = ("/leads/", "/sequences/", "/opportunities/", "/hot-leads/", "/forms/", "/outbox/", "/inbound/")


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !el.labels.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map(el => el.name || el.id)"""


def nav_links(page: Page) -> list[str]:
    return page.get_by_role("navigation").first.get_by_role("link").all_inner_texts()


def test_each_role_lands_on_its_own_home_and_sees_its_own_navigation(live_app, open_page, shoot):
    for role, heading, present, absent in (
        (Role.ADMIN, "Leads", {"Users", "Sequences", "Today", "Routing"}, set()),
        (Role.MARKETER, "Sequences", {"Leads", "Sequences", "Import"}, {"Users", "Routing", "Availability"}),
        (Role.REP, "Today", {"Today", "Leads", "Availability"}, {"Sequences", "Import", "Users"}),
    ):
        page = open_page()
        login(page, live_app.person(role))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        links = set(nav_links(page))
        assert present <= links and not absent & links, (role, links)
        shoot(page, f"{role.value}-home")


def test_a_wrong_password_is_an_alert_and_keeps_the_email(live_app, open_page):
    page = open_page()
    page.goto("/login")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is wrong.")
    expect(page.get_by_label("Email")).to_have_value("nobody@example.com")


def test_the_keyboard_reaches_the_content_first_with_a_visible_focus(live_app, open_page):
    page = open_page(as_=Role.MARKETER)
    page.goto("/leads/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # shown on screen while focused
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#content")).to_be_focused()


def test_admin_pages_fit_a_phone_screen_and_label_every_field(live_app, open_page, shoot):
    domain = f"{secrets.token_hex(4)}.example.com"
    live_app.lead(f"maximiliane.very-long-address-for-a-phone@{domain}", first_name="Maximiliane", last_name="Oberhuber-Lindqvist")
    page = open_page(viewport=PHONE, as_=Role.ADMIN)
    for path in LIST_PAGES + ("/today/", "/users/", "/sequences/new", "/forms/new", "/imports/new"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
        assert page.evaluate(UNLABELLED) == [], path
        if path == "/leads/":
            shoot(page, "leads-phone")


def test_leads_search_follows_typing_with_js_and_the_filter_button_without(live_app, open_page, shoot):
    domain = f"{secrets.token_hex(4)}.example.com"
    for first in ("Ada", "Alan", "Grace"):
        live_app.lead(f"{first.lower()}@{domain}", first_name=first, last_name="Tester", source="webinar")
    page = open_page(as_=Role.ADMIN)
    page.goto(f"/leads/?q={domain}")
    expect(page.locator("#lead-results tbody tr")).to_have_count(3)
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Search").fill(f"grace@{domain}")
    expect(page.locator("#lead-results tbody tr")).to_have_count(1)
    expect(page.locator("#lead-results")).to_contain_text("Grace Tester")
    assert page.evaluate("window.stillTheSamePage === true")  # updated in place, not reloaded
    expect(page).to_have_url(f"{live_app.url}/leads/?q=grace%40{domain}&source=&lifecycle_stage=&lead_status=&owner_team=")
    shoot(page, "search")

    no_js = open_page(as_=Role.ADMIN, java_script_enabled=False)
    no_js.goto(f"/leads/?q={domain}")
    no_js.get_by_label("Search").fill(f"alan@{domain}")
    no_js.get_by_role("button", name="Filter").click()
    expect(no_js.locator("#lead-results tbody tr")).to_have_count(1)
    expect(no_js.locator("#lead-results")).to_contain_text("Alan Tester")
