"""The leads pages: a person finds leads, reads one's story, and edits it with the edit on the timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from nurture.models import Company, Lead, LeadEvent, LeadSource, LeadStatus, LifecycleStage, Role
from tests.conftest import login

XSS = "<script>alert(1)</script>"


def csrf(client) -> str:
    page = client.get("/leads/").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.fixture
def add_lead(session):
    created = datetime(2026, 1, 1, tzinfo=UTC)

    def add(email: str, **fields) -> Lead:
        nonlocal created
        created += timedelta(minutes=1)  # distinct creation times: the list is newest first
        lead = Lead(email=email, created_at=created, **fields)
        session.add(lead)
        session.commit()
        return lead

    return add


def test_anonymous_is_sent_to_login(client):
    response = client.get("/leads/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get("/leads/1").status_code == 302


def test_empty_state_links_to_imports_and_forms_for_marketers_only(client, make_account):
    marketer, rep = make_account(Role.MARKETER), make_account(Role.REP)
    login(client, marketer)
    page = client.get("/leads/").get_data(as_text=True)
    empty = page.split('class="empty"')[1]
    assert "No leads yet — import a CSV or add a form" in page
    assert 'href="/imports/' in empty and 'href="/forms/' in empty
    assert ">Import a CSV</a>" in empty and ">Add a form</a>" in empty

    client.post("/logout", data={"csrf_token": csrf(client)})
    login(client, rep)
    page = client.get("/leads/").get_data(as_text=True)
    assert "No leads yet" in page
    assert "/imports/" not in page and "/forms/" not in page


def test_list_shows_the_columns(client, admin, add_lead):
    add_lead(
        "ada@acme.test",
        first_name="Ada",
        last_name="Lovelace",
        source=LeadSource.WEBINAR,
        lifecycle_stage=LifecycleStage.MQL,
        lead_status=LeadStatus.BAD_TIMING,
        owner_user_id=admin.user.id,
        company=Company(domain="acme.test", name="Acme Analytics"),
    )
    login(client, admin)
    page = client.get("/leads/").get_data(as_text=True)
    row = page.split("<tbody>")[1]
    for text in (
        "Ada Lovelace",
        "ada@acme.test",
        "Acme Analytics",
        "Webinar",
        "MQL",
        "Bad timing",
        "admin@example.com",
    ):
        assert text in row
    assert "2026-01-01 00:01 UTC" in row


def test_search_and_filters(client, make_account, add_lead):
    add_lead(
        "ada@acme.test", first_name="Ada", source=LeadSource.WEBINAR, company=Company(domain="acme.test", name="Acme")
    )
    add_lead("bob@globex.test", first_name="Bob", source=LeadSource.CONFERENCE, lead_status=LeadStatus.CONNECTED)
    login(client, make_account(Role.REP))

    def names(query: str) -> set[str]:
        response = client.get("/leads/" + query)
        assert response.status_code == 200
        return set(re.findall(r"(ada|bob)@", response.get_data(as_text=True)))

    assert names("") == {"ada", "bob"}
    assert names("?q=ADA") == {"ada"}
    assert names("?q=acme") == {"ada"}  # the company's name
    assert names("?source=conference") == {"bob"}
    assert names("?lead_status=connected&owner_team=marketing") == {"bob"}
    assert names("?q=ada&source=conference") == set()
    assert "No leads match these filters." in client.get("/leads/?q=nobody").get_data(as_text=True)
    # The form shows the filters in use.
    assert '<option value="conference" selected>' in client.get("/leads/?source=conference").get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?source=carrier-pigeon", "Unknown value; one of: webinar"),
        ("?page=0", "Must be a whole number"),
        ("?per_page=x", "whole number"),
    ],
)
def test_bad_filter_values_show_a_message(client, admin, add_lead, query, message):
    add_lead("ada@acme.test")
    login(client, admin)
    response = client.get("/leads/" + query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'role="alert"' in page
    assert "ada@acme.test" not in page


def test_pagination_keeps_the_filters(client, admin, add_lead):
    for n in range(3):
        add_lead(f"webinar{n}@example.org", source=LeadSource.WEBINAR)
    add_lead("other@example.org", source=LeadSource.REFERRAL)
    login(client, admin)

    first = client.get("/leads/?source=webinar&per_page=2").get_data(as_text=True)
    assert "webinar2@" in first and "webinar1@" in first and "webinar0@" not in first
    assert "Page 1 of 2" in first
    next_url = re.search(r'<a class="button" rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "source=webinar" in next_url and "per_page=2" in next_url and "page=2" in next_url

    second = client.get(next_url).get_data(as_text=True)
    assert "webinar0@" in second and "webinar1@" not in second
    assert "other@" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_detail_shows_fields_company_owner_and_custom_fields(client, admin, add_lead):
    lead = add_lead(
        "ada@acme.test",
        first_name="Ada",
        title="Head of Data",
        budget="50k",
        custom_fields={"favourite_tool": "slide rule", "seats": 12},
        owner_user_id=admin.user.id,
        company=Company(domain="acme.test", name="Acme Analytics", industry="Software"),
    )
    login(client, admin)
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    facts = page.split('<dl class="facts">')[1]
    for text in ("Head of Data", "50k", "Acme Analytics", "acme.test", "Software", "admin@example.com"):
        assert text in facts
    assert "<dt>favourite_tool</dt><dd>slide rule</dd>" in page
    assert "<dt>seats</dt><dd>12</dd>" in page
    assert client.get("/leads/999999").status_code == 404


def edit_form(lead: Lead, **changes: str) -> dict[str, str]:
    form = {
        "first_name": lead.first_name or "",
        "last_name": lead.last_name or "",
        "title": lead.title or "",
        "phone": lead.phone or "",
        "lead_status": lead.lead_status,
        "lifecycle_stage": lead.lifecycle_stage,
        "budget": "",
        "authority": "",
        "need": "",
        "timeline": "",
    }
    return {**form, **changes}


def test_an_edit_is_saved_and_shown_on_the_timeline(client, session, make_account, add_lead):
    rep = make_account(Role.REP, "rep@example.com")
    lead = add_lead("ada@example.org", first_name="Ada", lifecycle_stage=LifecycleStage.MQL)
    login(client, rep)
    form = edit_form(lead, first_name="Augusta", lead_status="connected", lifecycle_stage="sql", need="Faster reports")
    response = client.post(f"/leads/{lead.id}", data={**form, "csrf_token": csrf(client)})
    assert response.status_code == 302

    session.expire_all()
    assert (lead.first_name, lead.lead_status, lead.lifecycle_stage) == (
        "Augusta",
        LeadStatus.CONNECTED,
        LifecycleStage.SQL,
    )
    events = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)).all()
    assert {e.kind for e in events} == {"updated", "status_changed", "stage_changed"}
    assert all(e.actor_user_id == rep.user.id and e.reason == "Edited in the admin by rep@example.com" for e in events)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lead saved." in page
    timeline = page.split('id="timeline-heading"')[1]
    assert "Edited in the admin by rep@example.com" in timeline
    assert "by rep@example.com" in timeline
    assert "Stage changed" in timeline and "Status changed" in timeline
    assert re.search(r"First name</span>: Ada → Augusta", timeline)
    assert re.search(r"Lead status</span>: new → connected", timeline)
    assert re.search(r'Need</span>: <em class="muted">empty</em> → Faster reports', timeline)


def test_saving_without_changes_records_nothing(client, session, admin, add_lead):
    # A free-mail address: the core has no company to fill in, so an untouched form changes nothing.
    lead = add_lead("ada@gmail.com", first_name="Ada")
    login(client, admin)
    response = client.post(
        f"/leads/{lead.id}", data={**edit_form(lead), "csrf_token": csrf(client)}, follow_redirects=True
    )
    assert "Nothing changed." in response.get_data(as_text=True)
    assert session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)).all() == []


def test_bad_input_is_shown_per_field_with_the_input_kept(client, session, admin, add_lead):
    lead = add_lead("ada@example.org", first_name="Ada", phone="+44 20 7946 0000")
    login(client, admin)
    form = edit_form(lead, first_name="Augusta", phone="call me maybe", lead_status="dozing")
    response = client.post(f"/leads/{lead.id}", data={**form, "csrf_token": csrf(client)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<p class="field-error" id="phone-error">Phone number invalid</p>' in page
    assert 'id="lead_status-error">Unknown value' in page
    assert 'value="call me maybe"' in page and 'value="Augusta"' in page
    assert 'id="phone" name="phone" type="tel" value="call me maybe" autocomplete="off" aria-invalid="true"' in page

    session.expire_all()
    assert (lead.first_name, lead.phone) == ("Ada", "+44 20 7946 0000")
    assert session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)).all() == []


def test_stage_moves_forward_only(client, session, admin, add_lead):
    lead = add_lead("ada@example.org", lifecycle_stage=LifecycleStage.SQL)
    login(client, admin)
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    stage_select = page.split('name="lifecycle_stage"')[1].split("</select>")[0]
    assert 'value="mql"' not in stage_select and 'value="opportunity"' in stage_select

    response = client.post(
        f"/leads/{lead.id}", data={**edit_form(lead, lifecycle_stage="lead"), "csrf_token": csrf(client)}
    )
    assert response.status_code == 422
    assert "Stage moves forward only" in response.get_data(as_text=True)
    session.expire_all()
    assert lead.lifecycle_stage == LifecycleStage.SQL


def test_editing_needs_the_csrf_token(client, admin, add_lead):
    lead = add_lead("ada@example.org", first_name="Ada")
    login(client, admin)
    assert client.post(f"/leads/{lead.id}", data=edit_form(lead, first_name="Eve")).status_code == 400


def test_public_values_are_escaped_on_list_and_detail(client, admin, add_lead):
    lead = add_lead(
        "xss@example.org",
        first_name=XSS,
        title='"><img src=x onerror=alert(2)>',
        custom_fields={"note": XSS},
        company=Company(domain="xss.test", name=XSS),
    )
    login(client, admin)
    listing = client.get("/leads/").get_data(as_text=True)
    detail = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    for page in (listing, detail):
        assert XSS not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert all(tag.startswith('<script src="/static/') for tag in re.findall(r"<script\b[^>]*>", page))  # ours only
    assert "<img src=x" not in detail
    assert 'value="&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"' in detail  # kept inert in the edit form


def test_the_lead_page_explains_the_score(client, session, make_account):
    from datetime import timedelta

    from nurture.db.base import utcnow
    from nurture.leads.capture import create_lead
    from nurture.leads.validation import validate_lead_input
    from nurture.models import EmailEvent, Role

    lead = create_lead(session, validate_lead_input({"email": "scored@example.com"}), reason="test")
    session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url="https://x.test/<b>pricing</b>", occurred_at=utcnow() - timedelta(days=1)))
    session.commit()
    login(client, make_account(Role.REP))
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "data-score-label>D-cold<" in page
    assert "click of email 1 (https://x.test/&lt;b&gt;pricing&lt;/b&gt;)" in page  # public data shown escaped
