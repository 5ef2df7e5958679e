"""The stuck-leads report: a sales-ready lead whose first touch is past its SLA is listed, with its owner."""

from __future__ import annotations

import secrets
from datetime import timedelta

from playwright.sync_api import expect

from nurture.db.base import utcnow
from nurture.models import Role, Task
from tests.browser.backends import on_one_backend

pytestmark = on_one_backend


def test_a_first_touch_past_its_sla_shows_on_the_stuck_report(live_app, open_page, shoot):
    rep = live_app.person(Role.REP)
    email = f"late-{secrets.token_hex(4)}@example.com"
    lead = live_app.lead(email, first_name="Lena", last_name="Late", lifecycle_stage="sql", owner_email=rep.email)
    with live_app.session() as session:
        due = utcnow() - timedelta(hours=3)
        session.add(Task(lead_id=lead.id, owner_user_id=lead.owner_user_id, kind="first_touch", title="First touch", due_at=due))
        session.commit()

    page = open_page(as_=Role.MARKETER)
    page.goto("/reports/")
    page.get_by_role("navigation").first.get_by_role("link", name="Stuck", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stuck leads")
    first_touch = page.get_by_role("region", name="Sales-ready leads without a first touch (past the SLA)")
    row = first_touch.locator("tbody tr").filter(has=page.get_by_role("link", name="Lena Late"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(rep.email)
    expect(row).to_contain_text(f"First touch was due {due:%Y-%m-%d %H:%M} UTC")
    shoot(page, "stuck")
