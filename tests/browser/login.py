"""Logging in through the real login form."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.live_app import Person


def login(page: Page, person: Person) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
