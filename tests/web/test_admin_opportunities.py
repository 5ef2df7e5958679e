"""Rep-facing pages: qualify and disqualify from the lead page, the opportunities list and an opportunity's page."""

from __future__ import annotations

from sqlalchemy import select

from nurture.models import Lead, Opportunity, Role
from tests.conftest import login
from tests.sales import sales_lead

QUALIFY = {"budget": "Yes", "authority": "CTO", "need": "Speed", "timeline": "Q1", "name": "Acme platform",
           "amount": "9000", "currency": "EUR", "close_date": "2027-03-31", "stage": "discovery"}  # fmt: skip


def csrf_of(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_a_rep_qualifies_from_the_lead_page_and_errors_keep_the_input(client, session, make_account):
    rep = make_account(Role.REP)
    lead = sales_lead(session, rep.user)
    login(client, rep)
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert f'action="/leads/{lead.id}/qualify"' in page and f'action="/leads/{lead.id}/disqualify"' in page
    token = csrf_of(page)

    assert client.post(f"/leads/{lead.id}/qualify", data={**QUALIFY}).status_code == 400  # no CSRF token
    failed = client.post(f"/leads/{lead.id}/qualify", data={**QUALIFY, "close_date": "", "currency": "EURO", "csrf_token": token})
    assert failed.status_code == 422
    html = failed.get_data(as_text=True)
    assert "Required field missing" in html and "Currency unknown" in html
    assert 'value="Acme platform"' in html and 'value="EURO"' in html and 'value="CTO"' in html
    session.expire_all()
    assert session.scalar(select(Opportunity.id)) is None and session.get(Lead, lead.id).authority is None

    done = client.post(f"/leads/{lead.id}/qualify", data={**QUALIFY, "csrf_token": token})
    assert done.status_code == 302
    opp = session.scalar(select(Opportunity))
    assert done.headers["Location"].endswith(f"/opportunities/{opp.id}")
    assert (opp.name, opp.stage.key, str(opp.amount)) == ("Acme platform", "discovery", "9000.00")
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "Acme platform" in page and f'action="/leads/{lead.id}/qualify"' not in page  # qualified: the forms are gone


def test_disqualify_form(client, session, make_account):
    rep = make_account(Role.REP)
    lead = sales_lead(session, rep.user)
    login(client, rep)
    token = csrf_of(client.get(f"/leads/{lead.id}").get_data(as_text=True))
    failed = client.post(f"/leads/{lead.id}/disqualify", data={"reason": "bad_timing", "note": "Budget <b>next</b> year", "csrf_token": token})
    assert failed.status_code == 422
    html = failed.get_data(as_text=True)
    assert "Bad timing needs the date the lead comes back" in html and "Budget &lt;b&gt;next&lt;/b&gt; year" in html
    done = client.post(f"/leads/{lead.id}/disqualify", data={"reason": "bad_timing", "resurface_on": "2099-01-01", "note": "Later", "csrf_token": token})
    assert done.status_code == 302
    session.expire_all()
    lead = session.get(Lead, lead.id)
    assert (lead.lead_status, lead.owner_team, lead.owner_user_id, lead.lifecycle_stage) == ("bad_timing", "marketing", None, "lead")


def test_marketers_see_no_forms_and_cannot_post(client, session, make_account):
    rep, marketer, other = make_account(Role.REP), make_account(Role.MARKETER), make_account(Role.REP)
    lead = sales_lead(session, rep.user)
    for account in (marketer, other):
        login(client, account)
        page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
        assert "/qualify" not in page
        assert client.post(f"/leads/{lead.id}/qualify", data={**QUALIFY, "csrf_token": csrf_of(page)}).status_code == 403
        client.post("/logout", data={"csrf_token": csrf_of(page)})


def test_opportunity_list_page_stage_change_and_history(client, session, make_account):
    rep, marketer = make_account(Role.REP, "rep@example.com"), make_account(Role.MARKETER)
    lead = sales_lead(session, rep.user)
    login(client, rep)
    token = csrf_of(client.get(f"/leads/{lead.id}").get_data(as_text=True))
    client.post(f"/leads/{lead.id}/qualify", data={**QUALIFY, "csrf_token": token})
    opp = session.scalar(select(Opportunity))

    listing = client.get("/opportunities/?open=true").get_data(as_text=True)
    assert "Acme platform" in listing and "Discovery" in listing
    assert "Acme platform" not in client.get("/opportunities/?open=false").get_data(as_text=True)
    assert client.get("/opportunities/?closing_before=someday").status_code == 400

    url = f"/opportunities/{opp.id}"
    form = {"stage": "closed_lost", "amount": "9000.00", "currency": "EUR", "close_date": "2027-03-31", "lost_reason": "", "csrf_token": token}
    failed = client.post(url, data=form)
    assert failed.status_code == 422 and "Required to close a deal as lost" in failed.get_data(as_text=True)
    no_date = client.post(url, data={**form, "stage": "proposal", "close_date": ""})
    assert no_date.status_code == 422 and "Required field missing" in no_date.get_data(as_text=True)
    assert client.post(url, data={**form, "stage": "proposal"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Stage changed" in page and "rep@example.com" in page and "proposal" in page

    client.post("/logout", data={"csrf_token": token})
    login(client, marketer)
    page = client.get(url).get_data(as_text=True)
    assert "Acme platform" in page and f'action="{url}"' not in page
    assert client.post(url, data={**form, "stage": "negotiation", "csrf_token": csrf_of(page)}).status_code == 403
    assert client.get("/opportunities/").status_code == 200
