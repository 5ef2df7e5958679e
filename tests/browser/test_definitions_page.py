"""The Definitions page: everyone reads the stages, statuses and bands; only an admin gets the forms to edit them."""

from __future__ import annotations

from playwright.sync_api import expect

from nurture.models import Role
from tests.browser.backends import on_one_backend

pytestmark = on_one_backend


def test_definitions_are_read_only_for_a_rep_and_editable_for_an_admin(live_app, open_page, shoot):
    rep = open_page(as_=Role.REP)
    rep.goto("/definitions/")
    expect(rep.get_by_role("heading", level=1)).to_have_text("Definitions")
    stages = rep.get_by_role("region", name="Lifecycle stages")
    expect(stages.get_by_role("rowheader").filter(has_text="MQL")).to_have_count(1)
    expect(rep.get_by_text("Admins edit these definitions.")).to_be_visible()
    content = rep.locator("#content")
    expect(content.locator("form")).to_have_count(0)
    expect(content.locator("input, select, textarea, button")).to_have_count(0)
    expect(content.get_by_role("link", name="New stage")).to_have_count(0)
    shoot(rep, "rep")

    admin = open_page(as_=Role.ADMIN)
    admin.goto("/definitions/")
    expect(admin.get_by_role("link", name="New stage")).to_be_visible()
    expect(admin.get_by_role("button", name="Move MQL up")).to_be_visible()
    expect(admin.get_by_role("form", name="Add a status")).to_be_visible()
    expect(admin.get_by_role("button", name="Save the bands")).to_be_visible()
    shoot(admin, "admin")
