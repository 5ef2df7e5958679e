"""Marketers manage capture forms in the admin and paste the snippet into their website."""

import html
import re

import pytest
from sqlalchemy import func, select

from nurture.forms.definitions import create_form
from nurture.models import Form, Lead, Role
from tests.conftest import login


def csrf_token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def new_form_data(client, **changes):
    token = csrf_token(client.get("/forms/new").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "name": "Spring webinar",
        "fields": ["first_name", "company", "website"],
        "required_fields": ["first_name"],
        "source": "webinar",
        "source_detail": "Spring 2026",
        "thank_you_url": "https://www.example.com/thanks",
        "allowed_origins": "https://www.example.com\r\nhttps://shop.example.com",
        "honeypot_field": "fax_number",
        "active": "on",
    }
    return {**data, **changes}


@pytest.fixture
def marketer(make_account):
    return make_account(Role.MARKETER, "marketer@example.com")


def test_reps_may_not_see_forms(client, session, make_account):
    form = create_form(session, {"name": "Secret"})
    session.commit()
    login(client, make_account(Role.REP, "rep@example.com"))
    for url in ("/forms/", "/forms/new", f"/forms/{form.id}"):
        assert client.get(url).status_code == 403
    refused = client.get("/forms/").get_data(as_text=True)
    assert 'href="/forms/"' not in refused  # not in the navigation either
    token = csrf_token(refused)  # the logout form's: a valid token, so only the role refuses
    assert client.post("/forms/new", data={"csrf_token": token, "name": "X"}).status_code == 403
    assert client.post(f"/forms/{form.id}", data={"csrf_token": token, "name": "X"}).status_code == 403
    assert count(session, Form) == 1


def test_visitors_must_log_in(client):
    response = client.get("/forms/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_empty_list_invites_to_create_the_first_form(client, marketer):
    login(client, marketer)
    page = client.get("/forms/").get_data(as_text=True)
    assert "No forms yet" in page
    assert 'href="/forms/new"' in page
    assert '<a href="/forms/" aria-current="page">Forms</a>' in page  # in the navigation


def test_a_marketer_creates_a_form_and_gets_a_snippet_that_works(client, session, marketer):
    login(client, marketer)
    response = client.post("/forms/new", data=new_form_data(client))
    assert response.status_code == 302
    form = session.scalar(select(Form))
    assert response.headers["Location"].endswith(f"/forms/{form.id}")
    assert (form.name, form.fields, form.required_fields, form.source_detail, form.honeypot_field) == (
        "Spring webinar",
        ["first_name", "company", "website"],
        ["first_name"],
        "Spring 2026",
        "fax_number",
    )
    assert form.allowed_origins == ["https://www.example.com", "https://shop.example.com"]
    assert len(form.key) >= 16

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    snippet = html.unescape(page.split('<textarea id="snippet"')[1].split(">", 1)[1].split("</textarea>")[0])
    assert f'<form action="http://nurture.test/f/{form.key}" method="post">' in snippet
    names = re.findall(r'name="([a-z_]+)"', snippet)
    assert names == ["email", "first_name", "company", "website", "fax_number"]
    assert '<input type="text" name="first_name" required>' in snippet
    assert 'tabindex="-1"' in snippet and "position:absolute" in snippet  # hidden from people

    # The snippet, posted as a browser would, captures a lead and shows the thank-you page.
    action = re.search(r'action="([^"]+)"', snippet).group(1).removeprefix("http://nurture.test")
    posted = client.post(
        action,
        data={
            "email": "ann@example.com",
            "first_name": "Ann",
            "company": "Acme",
            "website": "acme.com",
            "fax_number": "",
        },
        headers={"Accept": "text/html,*/*;q=0.8"},
    )
    assert (posted.status_code, posted.headers["Location"]) == (303, "https://www.example.com/thanks")
    assert session.scalar(select(Lead.email)) == "ann@example.com"

    listing = client.get("/forms/").get_data(as_text=True)
    assert "Spring webinar" in listing and form.key in listing


def test_bad_input_is_kept_and_each_field_says_what_is_wrong(client, session, marketer):
    login(client, marketer)
    data = new_form_data(
        client,
        name="Kept name",
        required_fields=["phone"],
        thank_you_url="javascript:alert(1)",
        allowed_origins="https://www.example.com/page",
        honeypot_field="email",
    )
    response = client.post("/forms/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Kept name"' in page
    assert 'value="javascript:alert(1)"' in page
    assert "https://www.example.com/page</textarea>" in page
    assert re.search(r'value="company"[^>]*checked', page)  # checked boxes stay checked
    assert "Not one of the form&#39;s fields: phone" in page
    assert "Must be an http(s) address" in page
    assert "Not an origin" in page
    assert "Must not be the name of a lead field" in page
    assert count(session, Form) == 0


def test_creating_without_the_csrf_token_is_refused(client, session, marketer):
    login(client, marketer)
    data = new_form_data(client)
    del data["csrf_token"]
    assert client.post("/forms/new", data=data).status_code == 400
    assert count(session, Form) == 0


def test_editing_keeps_the_key_and_deactivating_closes_the_form(client, session, admin):
    form = create_form(session, {"name": "Old", "fields": ["first_name"]})
    session.commit()
    key = form.key
    login(client, admin)
    page = client.get(f"/forms/{form.id}").get_data(as_text=True)
    assert "Embed on your website" in page and f"/f/{key}" in page
    data = {
        "csrf_token": csrf_token(page),
        "name": "New",
        "key": "hijacked",
        "fields": ["title"],
        "source": "website",
        "honeypot_field": "website_url",
    }  # "active" unchecked
    assert client.post(f"/forms/{form.id}", data=data).status_code == 302
    session.expire_all()
    form = session.get(Form, form.id)
    assert (form.key, form.name, form.fields, form.active) == (key, "New", ["title"], False)
    assert client.post(f"/f/{key}", json={"email": "a@example.com"}).status_code == 404


def test_an_invalid_edit_changes_nothing(client, session, admin):
    form = create_form(session, {"name": "Old", "fields": ["first_name"]})
    session.commit()
    login(client, admin)
    token = csrf_token(client.get(f"/forms/{form.id}").get_data(as_text=True))
    response = client.post(f"/forms/{form.id}", data={"csrf_token": token, "name": "", "fields": ["owner_email"]})
    assert response.status_code == 422
    assert "Required field missing" in response.get_data(as_text=True)
    session.expire_all()
    assert (session.get(Form, form.id).name, session.get(Form, form.id).fields) == ("Old", ["first_name"])


def test_an_unknown_form_is_not_found(client, admin):
    login(client, admin)
    assert client.get("/forms/999999").status_code == 404


def test_names_are_escaped_in_the_admin(client, session, admin):
    create_form(session, {"name": "<script>alert(1)</script>"})
    session.commit()
    login(client, admin)
    page = client.get("/forms/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
