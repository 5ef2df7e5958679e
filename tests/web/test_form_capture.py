"""Websites post to /f/<key>: leads are captured, and hostile input leaves nothing behind."""

import json

import pytest
from sqlalchemy import func, select

from nurture.forms.definitions import create_form
from nurture.models import Lead, LeadEvent, LeadSource
from nurture.web.app import create_app

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FORM_TYPES = ["form", "multipart", "json"]


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def stored(session):
    return count(session, Lead), count(session, LeadEvent)


def post(client, key, data, as_="form", **kwargs):
    if as_ == "json":
        return client.post(f"/f/{key}", json=data, **kwargs)
    content_type = "multipart/form-data" if as_ == "multipart" else "application/x-www-form-urlencoded"
    return client.post(f"/f/{key}", data=data, content_type=content_type, **kwargs)


@pytest.fixture
def form(session):
    form = create_form(
        session,
        {
            "name": "Spring webinar",
            "fields": ["first_name", "last_name", "website", "company"],
            "required_fields": ["first_name"],
            "source": "webinar",
            "source_detail": "Spring 2026",
            "thank_you_url": "https://www.example.com/thanks",
            "allowed_origins": ["https://www.example.com"],
        },
    )
    session.commit()
    return form


@pytest.mark.parametrize("as_", FORM_TYPES)
def test_a_submission_creates_a_lead_and_says_only_ok(client, session, form, as_):
    response = post(client, form.key, {"email": "Ann@Example.com", "first_name": "Ann", "company": "Acme"}, as_)
    assert response.status_code == 201
    assert response.get_json() == {"status": "ok"}  # no lead id for the public
    lead = session.scalar(select(Lead))
    assert (lead.email, lead.first_name, lead.source, lead.source_detail) == (
        "ann@example.com",
        "Ann",
        LeadSource.WEBINAR,
        "Spring 2026",
    )
    event = session.scalar(select(LeadEvent).where(LeadEvent.kind == "form_submitted"))
    assert (event.lead_id, event.data["form_key"], event.data["form_name"]) == (lead.id, form.key, "Spring webinar")


def test_a_returning_visitor_updates_the_same_lead(client, session, form):
    assert post(client, form.key, {"email": "ann@example.com", "first_name": "Ann"}).status_code == 201
    assert post(client, form.key, {"email": "ANN@example.COM", "first_name": "Anna"}, "json").status_code == 201
    session.expire_all()
    assert [lead.first_name for lead in session.scalars(select(Lead))] == ["Anna"]
    assert count(session, LeadEvent) == 4  # created, form_submitted, updated, form_submitted


def test_a_browser_post_goes_to_the_thank_you_page(client, session, form):
    response = post(client, form.key, {"email": "a@example.com", "first_name": "A"}, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 303
    assert response.headers["Location"] == "https://www.example.com/thanks"
    assert count(session, Lead) == 1


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
def test_scripts_get_json_even_when_there_is_a_thank_you_page(client, form, accept):
    headers = {"Accept": accept} if accept else {}
    response = post(client, form.key, {"email": "a@example.com", "first_name": "A"}, headers=headers)
    assert (response.status_code, response.get_json()) == (201, {"status": "ok"})


def test_without_a_thank_you_page_browsers_get_json_too(client, session):
    form = create_form(session, {"name": "Bare"})
    session.commit()
    response = post(client, form.key, {"email": "a@example.com"}, headers={"Accept": BROWSER_ACCEPT})
    assert (response.status_code, response.get_json()) == (201, {"status": "ok"})


@pytest.mark.parametrize("as_", FORM_TYPES)
def test_bad_input_gets_one_message_per_field_and_stores_nothing(client, session, form, as_):
    response = post(client, form.key, {"email": "not-an-email", "website": "not a website"}, as_)
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {
            "email": "Email address invalid",
            "website": "Website address invalid",
            "first_name": "Required field missing",
        }
    }
    assert stored(session) == (0, 0)


def test_fields_the_form_does_not_allow_are_unknown(client, session, form):
    data = {"email": "a@example.com", "first_name": "A", "owner_email": "rep@example.com", "lead_status": "qualified"}
    data["favourite_colour"] = "blue"
    response = post(client, form.key, data, "json")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "owner_email": "Unknown field",
        "lead_status": "Unknown field",
        "favourite_colour": "Unknown field",
    }
    assert stored(session) == (0, 0)


def test_an_unknown_or_inactive_form_is_not_found(client, session, form):
    for key in ("no-such-form", "x" * 500, "%00"):
        response = post(client, key, {"email": "a@example.com"})
        assert (response.status_code, response.get_json()) == (404, {"errors": {"form": "Not found"}})
    form.active = False
    session.commit()
    assert post(client, form.key, {"email": "a@example.com", "first_name": "A"}).status_code == 404
    assert stored(session) == (0, 0)


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "application/json"])
def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client, session, form, accept):
    human = post(client, form.key, {"email": "h@example.com", "first_name": "H"}, headers={"Accept": accept})
    bot = post(
        client,
        form.key,
        {"email": "bot@example.com", "first_name": "B", "website_url": "x"},
        headers={"Accept": accept},
    )
    assert (bot.status_code, bot.headers.get("Location"), bot.get_data()) == (
        human.status_code,
        human.headers.get("Location"),
        human.get_data(),
    )
    assert [lead.email for lead in session.scalars(select(Lead))] == ["h@example.com"]
    assert count(session, LeadEvent) == 2


def test_the_empty_honeypot_of_a_real_browser_is_accepted(client, session, form):
    response = post(client, form.key, {"email": "a@example.com", "first_name": "A", "website_url": ""})
    assert response.status_code == 201
    assert count(session, Lead) == 1


def test_listed_origins_may_read_the_answer(client, form):
    response = post(
        client,
        form.key,
        {"email": "a@example.com", "first_name": "A"},
        "json",
        headers={"Origin": "https://www.example.com"},
    )
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert "Origin" in response.headers["Vary"]
    # Errors are readable too, or the site's script could not show them.
    bad = post(client, form.key, {"email": "nope"}, "json", headers={"Origin": "https://www.example.com"})
    assert bad.status_code == 422
    assert bad.headers["Access-Control-Allow-Origin"] == "https://www.example.com"


def test_other_origins_get_no_cors_headers(client, form):
    for origin in ("https://evil.example", "null", "https://www.example.com.evil.example"):
        response = post(
            client, form.key, {"email": "a@example.com", "first_name": "A"}, "json", headers={"Origin": origin}
        )
        assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_allows_post_with_content_type_for_listed_origins_only(client, session, form):
    headers = {
        "Origin": "https://www.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    response = client.options(f"/f/{form.key}", headers=headers)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type"
    other = client.options(f"/f/{form.key}", headers={**headers, "Origin": "https://evil.example"})
    assert not any(name.startswith("Access-Control-") for name in other.headers.keys())
    assert stored(session) == (0, 0)


def test_no_csrf_token_is_needed_but_the_admin_stays_protected(client, admin, form):
    assert post(client, form.key, {"email": "a@example.com", "first_name": "A"}).status_code == 201
    # Another form of the app still insists on its token.
    assert client.post("/login", data={"email": admin.user.email, "password": admin.password}).status_code == 400


def test_too_many_posts_from_one_address_are_refused(settings, session_factory, redis_client, session, form):
    app = create_app(settings.with_(form_rate_limit="3 per minute"), session_factory=session_factory)
    client = app.test_client()
    answers = [post(client, form.key, {"email": f"p{i}@example.com", "first_name": "P"}).status_code for i in range(5)]
    assert answers == [201, 201, 201, 429, 429]
    refused = post(client, form.key, {"email": "late@example.com", "first_name": "L"})
    assert refused.get_json() == {"errors": {"request": "Too many requests; slow down"}}
    assert "Retry-After" in refused.headers
    # A listed site's script can still read why it was refused.
    cors = post(client, form.key, {"email": "s@example.com"}, headers={"Origin": "https://www.example.com"})
    assert (cors.status_code, cors.headers["Access-Control-Allow-Origin"]) == (429, "https://www.example.com")
    assert count(session, Lead) == 3
    # The limit is per client address and per form, so others are unaffected.
    other_ip = post(
        client, form.key, {"email": "q@example.com", "first_name": "Q"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other_ip.status_code == 201
    other_form = create_form(session, {"name": "Other"})
    session.commit()
    assert post(client, other_form.key, {"email": "r@example.com"}).status_code == 201
    assert count(session, Lead) == 5
    assert redis_client.dbsize() > 0  # counted in the real Redis


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary=x"]
)
def test_a_ten_megabyte_body_is_refused(client, session, form, content_type):
    body = b"email=a%40example.com&first_name=" + b"A" * 10_000_000
    response = client.post(f"/f/{form.key}", data=body, content_type=content_type)
    assert response.status_code == 413
    assert response.get_json() == {"errors": {"body": "Request body too large (at most 1000 kB)"}}
    assert stored(session) == (0, 0)


@pytest.mark.parametrize("name", ["Ann\r\nBcc: victim@example.com", "Ann\nX", "Ann\x00B", "Ann\u2028B"])
def test_line_breaks_in_a_name_are_refused(client, session, form, name):
    response = post(client, form.key, {"email": "a@example.com", "first_name": name})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["first_name"]
    assert stored(session) == (0, 0)


def test_raw_utf8_from_simple_clients_is_fine(client, session, form):
    body = "email=zoe%40example.com&first_name=Zoë&first_name=ignored".encode()
    response = client.post(f"/f/{form.key}", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201
    assert session.scalar(select(Lead.first_name)) == "Zoë"


def test_sql_looking_text_is_stored_verbatim(client, session, form):
    name = "Robert'); DROP TABLE leads;--"
    company = "' OR '1'='1"
    response = post(client, form.key, {"email": "bobby@example.com", "first_name": name, "company": company})
    assert response.status_code == 201
    lead = session.scalar(select(Lead))
    assert (lead.first_name, lead.company.name) == (name, company)
    assert count(session, Lead) == 1


GARBAGE = [
    pytest.param(
        b'{"email": "a@example.com", "first_name": "\xff\xfe"}', "application/json", 400, id="invalid-utf8-json"
    ),
    pytest.param(
        b"email=a%FF%FE%40example.com&first_name=A", "application/x-www-form-urlencoded", 422, id="invalid-utf8-form"
    ),
    pytest.param(
        b"email=a%40example.com&first_name=\xff", "application/x-www-form-urlencoded", 422, id="raw-invalid-utf8-form"
    ),
    pytest.param(
        b'--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na\xff@example.com\r\n--x--\r\n',
        "multipart/form-data; boundary=x",
        422,
        id="invalid-utf8-multipart",
    ),
    pytest.param(
        b'{"email": "a@example.com", "first_name": {"nested": {"x": 1}}}', "application/json", 422, id="nested-object"
    ),
    pytest.param(b'{"email": ["a@example.com"], "first_name": "A"}', "application/json", 422, id="list-email"),
    pytest.param(b'{"email": {"$ne": null}, "first_name": "A"}', "application/json", 422, id="object-email"),
    pytest.param(b'[{"email": "a@example.com"}]', "application/json", 422, id="list-body"),
    pytest.param(b'"a@example.com"', "application/json", 422, id="string-body"),
    pytest.param(b"null", "application/json", 422, id="null-body"),
    pytest.param(b"{not json", "application/json", 400, id="broken-json"),
    pytest.param(b"[" * 200_000 + b"]" * 200_000, "application/json", 400, id="deep-nesting"),
    pytest.param(
        b'{"email": "a@example.com", "first_name": "A", "company_size": 1' + b"0" * 5000 + b"}",
        "application/json",
        400,
        id="huge-number",
    ),
    pytest.param(
        json.dumps({"email": "a@example.com", "first_name": "A", "k" * 100_000: "v"}).encode(),
        "application/json",
        422,
        id="huge-field-name",
    ),
    pytest.param(
        ("email=a%40example.com&first_name=A&" + "&".join(f"f{i}=x" for i in range(500))).encode(),
        "application/x-www-form-urlencoded",
        422,
        id="many-fields",
    ),
    pytest.param(b"email=a@example.com", "text/plain", 415, id="text-plain"),
    pytest.param(b"", None, 415, id="no-content-type"),
    pytest.param(
        b'--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n'
        b'--x\r\nContent-Disposition: form-data; name="first_name"; filename="a.exe"\r\n\r\nMZ\r\n--x--\r\n',
        "multipart/form-data; boundary=x",
        422,
        id="file-upload",
    ),
    pytest.param(b"--x\r\ngarbage", "multipart/form-data; boundary=x", 422, id="broken-multipart"),
]


@pytest.mark.parametrize(("body", "content_type", "status"), GARBAGE)
def test_garbage_is_refused_cleanly_and_stores_nothing(client, session, form, body, content_type, status):
    response = client.post(f"/f/{form.key}", data=body, content_type=content_type)
    assert response.status_code == status
    errors = response.get_json()["errors"]
    assert errors and all(len(name) <= 64 for name in errors)
    assert stored(session) == (0, 0)
