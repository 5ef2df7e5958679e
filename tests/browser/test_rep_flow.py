"""A rep works Today (logs a call with notes, edits and sends a cadence's manual email), qualifies one lead into an opportunity and disqualifies another
with a reason; marketing's funnel report then shows what became of the campaign's leads."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from playwright.sync_api import Page, expect

from campaigns.sequences import activate, create_sequence
from nurture.db.base import utcnow
from nurture.models import Lead, Role, Task
from tests.browser.backends import on_one_backend
from tests.browser.live_app import LiveApp, Person
from tests.browser.login import login
from tests.campaigns.cadence import FOOTER, parsed, text_part

pytestmark = on_one_backend


def call_task(live_app: LiveApp, lead: Lead, title: str, overdue_hours: int) -> None:
    with live_app.session() as session:
        due = utcnow() - timedelta(hours=overdue_hours)
        session.add(Task(lead_id=lead.id, owner_user_id=lead.owner_user_id, kind="call", title=title, due_at=due))
        session.commit()


def campaign_leads(live_app: LiveApp, rep: Person, campaign: str) -> tuple[Lead, Lead]:
    """Four leads of one campaign: two sales-ready ones of the rep's (a call due on each), an MQL and a new lead."""
    fields = {"source": "trade_show", "source_detail": campaign}
    domain = f"{campaign}.example.com"
    sales_ready = {"lifecycle_stage": "sql", "owner_email": rep.email, **fields}
    ada = live_app.lead(f"ada@{domain}", first_name="Ada", last_name="Byron", title="Head of Finance", **sales_ready)
    bob = live_app.lead(f"bob@{domain}", first_name="Bob", last_name="Stone", title="Operations lead", **sales_ready)
    live_app.lead(f"cy@{domain}", first_name="Cy", lifecycle_stage="mql", **fields)
    live_app.lead(f"dee@{domain}", first_name="Dee", **fields)
    call_task(live_app, ada, "Discovery call", overdue_hours=2)
    call_task(live_app, bob, "Intro call", overdue_hours=1)
    return ada, bob


def cadence_with_a_manual_email(live_app: LiveApp, name: str) -> int:
    """An active cadence whose first step is an email the rep edits and sends by hand; an automatic one follows."""
    steps = [
        {"id": "numbers", "type": "manual_email", "title": "Send the numbers",
         "subject": "Numbers for {{ lead.first_name }}", "html": "<p>Dear {{ lead.first_name }}, the numbers.</p>" + FOOTER},
        {"id": "nudge", "type": "email", "wait_for_previous_task": True, "subject": "Any questions?", "html": "<p>Questions?</p>" + FOOTER},
    ]  # fmt: skip
    with live_app.session() as session:
        cadence = create_sequence(session, {"name": name, "kind": "cadence", "definition": {"steps": steps}})
        activate(session, cadence, utcnow())
        session.commit()
        return cadence.id


def timeline(page: Page):
    return page.locator("section[aria-labelledby=timeline-heading] ol.timeline > li")


def test_rep_logs_a_call_qualifies_and_disqualifies_and_the_funnel_shows_it(live_app, open_page, shoot):
    rep = live_app.account(Role.REP)
    campaign = f"expo-{secrets.token_hex(3)}"  # the browser tests share a database: this run's funnel row only
    ada, bob = campaign_leads(live_app, rep, campaign)

    # Today: the rep's two calls, overdue first; log the first with an outcome and notes.
    page = open_page()
    login(page, rep)
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Discovery call")
    shoot(page, "today")
    call = page.get_by_role("form", name="Complete Discovery call")
    call.get_by_label("Outcome").select_option("connected")
    call.get_by_label("Notes").fill("Budget approved for Q1; wants a demo with the CFO.")
    call.get_by_role("button", name="Log call").click()
    expect(page.get_by_role("status").filter(has_text="Done: 'Discovery call': connected.")).to_be_visible()
    expect(rows).to_have_count(1)

    # Enroll Ada in a cadence from her page; its first step is a manual email: a draft on Today to edit and send.
    cadence_id = cadence_with_a_manual_email(live_app, f"Finance outreach {campaign}")
    page.goto(f"/leads/{ada.id}")
    enroll = page.get_by_role("region", name="Enroll in a cadence")
    enroll.get_by_label("Cadence").select_option(str(cadence_id))
    enroll.get_by_role("button", name="Enroll").click()
    expect(page.get_by_role("status").filter(has_text="Enrolled in")).to_be_visible()
    live_app.tick()  # the scheduler claims the enrollment and a worker runs it: the step opens the rep's task
    page.get_by_role("navigation").first.get_by_role("link", name="Today").click()
    expect(rows).to_have_count(2)
    page.get_by_role("link", name="Edit and send").click()
    expect(page.get_by_label("Subject")).to_have_value("Numbers for Ada")
    expect(page.get_by_label("Plain text", exact=True)).to_have_value(re.compile(r"^Dear Ada, the numbers\."))
    subject, text = "Ada, the Q1 numbers", "Hi Ada,\n\nas promised on the call: 24k a year, CFO sign-off by March.\n\nRita\n"
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Plain text", exact=True).fill(text)
    page.get_by_label("HTML (sent as written; empty: the plain text above, as HTML)").fill("")
    shoot(page, "manual-email")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Sent.")).to_be_visible()
    sent = [parsed(r) for r in live_app.smtp.received if ada.email in r.rcpt_tos]
    assert [m["Subject"] for m in sent] == [subject]
    assert text_part(sent[0]) == text  # exactly what the rep typed, nothing of the draft left

    # Qualify Ada from her lead page: BANT answers and the new opportunity.
    page.goto(f"/leads/{ada.id}")
    expect(timeline(page).filter(has_text="wants a demo with the CFO")).to_have_count(1)
    qualify = page.get_by_role("region", name="Qualify", exact=True)
    bant = qualify.get_by_role("group", name="BANT")
    bant.get_by_label("Budget").fill("40k approved")
    bant.get_by_label("Authority").fill("CFO signs")
    bant.get_by_label("Need").fill("Replace spreadsheets")
    bant.get_by_label("Timeline").fill("Q1")
    qualify.get_by_label("Amount").fill("24000")
    qualify.get_by_label("Currency (ISO 4217)").fill("USD")
    qualify.get_by_label("Close date").fill("2027-03-31")
    qualify.get_by_label("Stage").select_option("discovery")
    shoot(qualify, "qualify")
    qualify.get_by_role("button", name="Qualify").click()
    expect(page.get_by_role("status").filter(has_text="Qualified: opportunity")).to_be_visible()
    details = page.locator("section[aria-labelledby=details-heading]")
    expect(details).to_contain_text("Discovery")
    expect(details).to_contain_text("24000")
    expect(details).to_contain_text("USD")
    expect(details).to_contain_text("2027-03-31")
    expect(details).to_contain_text(campaign)  # the deal keeps the lead's source and campaign
    shoot(page, "opportunity")
    page.get_by_role("link", name="Ada Byron").click()
    expect(page.locator("section[aria-labelledby=deals-heading] li")).to_contain_text("24000")
    expect(page.get_by_role("heading", name="Qualify")).to_have_count(0)  # an opportunity is not qualified twice

    # Disqualify Bob with a reason: back to marketing.
    page.goto(f"/leads/{bob.id}")
    disqualify = page.get_by_role("region", name="Disqualify")
    disqualify.get_by_label("Reason").select_option("no_budget")
    disqualify.get_by_label("Note").fill("Frozen budget until next year.")
    disqualify.get_by_role("button", name="Disqualify").click()
    expect(page.get_by_role("status").filter(has_text="Disqualified: the lead is back with marketing.")).to_be_visible()
    expect(timeline(page).filter(has_text="Frozen budget until next year.")).not_to_have_count(0)

    # Marketing's funnel: the campaign's 4 leads, 3 MQLs, 2 SQLs (Bob counts: he got that far), 1 opportunity.
    report = open_page(as_=Role.MARKETER)
    report.goto("/reports/funnel")
    row = report.locator("section[aria-labelledby=t-by_campaign] tbody tr").filter(has_text=campaign)
    counts = row.locator("td")
    expect(counts.nth(0)).to_have_text(campaign)
    expect(counts.nth(1)).to_have_text("4")  # leads
    expect(counts.nth(2)).to_have_text("3")  # MQL
    expect(counts.nth(3)).to_have_text("2")  # SQL
    expect(counts.nth(4)).to_have_text("1")  # opportunity
    expect(counts.nth(5)).to_have_text("0")  # won
    expect(counts.nth(6)).to_have_text("75.0%")  # lead → MQL
    expect(counts.nth(8)).to_have_text("50.0%")  # SQL → opportunity
    overall = report.locator("section[aria-labelledby=t-overall]")
    expect(overall.locator("figure.chart")).to_be_visible()  # reports.js un-hides it once Chart.js drew
    assert report.evaluate("() => Chart.getChart(document.querySelector('section[aria-labelledby=t-overall] canvas')).data.labels") == [
        "Leads", "MQL", "SQL", "Opportunity", "Won"
    ]  # fmt: skip
    shoot(report, "funnel")
