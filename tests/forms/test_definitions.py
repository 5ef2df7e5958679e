"""A marketer defines a capture form: which fields, where leads come from, who may post."""

import pytest

from nurture.errors import ValidationError
from nurture.forms.definitions import (
    FORM_FIELDS,
    NOT_PUBLIC,
    create_form,
    get_active_form,
    normalize_origin,
    update_form,
)
from nurture.leads.validation import ALL_FIELDS
from nurture.models import LeadSource


def test_public_fields_are_every_lead_field_but_ownership_and_sales_state():
    assert set(FORM_FIELDS) == ALL_FIELDS - NOT_PUBLIC - {"email"}
    assert not {"owner_email", "owner_user_id", "lifecycle_stage", "lead_status", "owner_team"} & set(FORM_FIELDS)


def test_a_new_form_gets_a_random_key_and_sensible_defaults(session):
    first = create_form(session, {"name": "Newsletter", "fields": ["last_name", "email", "first_name", "first_name"]})
    second = create_form(session, {"name": "Newsletter"})
    assert len(first.key) >= 16 and first.key != second.key
    assert first.fields == ["first_name", "last_name"]  # email implied, duplicates gone, canonical order
    assert first.source == LeadSource.WEBSITE
    assert first.honeypot_field == "website_url"
    assert first.active is True
    assert get_active_form(session, first.key) is first


def test_a_chosen_key_must_be_free_and_well_formed(session):
    create_form(session, {"name": "A", "key": "spring-webinar"})
    with pytest.raises(ValidationError) as taken:
        create_form(session, {"name": "B", "key": "spring-webinar"})
    assert taken.value.errors == {"key": "Already used by another form"}
    with pytest.raises(ValidationError) as bad:
        create_form(session, {"name": "B", "key": "no spaces/allowed"})
    assert set(bad.value.errors) == {"key"}


def test_every_bad_setting_is_reported_at_once(session):
    with pytest.raises(ValidationError) as exc:
        create_form(
            session,
            {
                "name": "  ",
                "fields": ["first_name", "owner_email"],
                "required_fields": ["phone"],
                "source": "carrier pigeon",
                "thank_you_url": "javascript:alert(1)",
                "allowed_origins": ["https://www.example.com/path"],
                "honeypot_field": "email",
            },
        )
    assert exc.value.errors == {
        "name": "Required field missing",
        "fields": "Not allowed on a public form: owner_email",
        "required_fields": "Not one of the form's fields: phone",
        "source": exc.value.errors["source"],
        "thank_you_url": "Must be an http(s) address, e.g. https://www.example.com/thanks",
        "allowed_origins": "Not an origin (e.g. https://www.example.com): https://www.example.com/path",
        "honeypot_field": "Must not be the name of a lead field",
    }
    assert exc.value.errors["source"].startswith("Unknown value")


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "https://", "/thanks", "https://exa mple.com", "https://example.com/\r\nX: y"]
)
def test_thank_you_page_must_be_an_http_address(session, url):
    with pytest.raises(ValidationError) as exc:
        create_form(session, {"name": "A", "thank_you_url": url})
    assert set(exc.value.errors) == {"thank_you_url"}


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://www.example.com", "https://www.example.com"),
        ("HTTPS://WWW.Example.COM/", "https://www.example.com"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("https://example.com/page", None),
        ("https://example.com?x=1", None),
        ("https://user@example.com", None),
        ("example.com", None),
        ("javascript:alert(1)", None),
        ("https://example.com:99999", None),
        ("null", None),
    ],
)
def test_origins_are_scheme_host_and_port_only(given, origin):
    assert normalize_origin(given) == origin


def test_editing_keeps_the_key_that_websites_post_to(session):
    form = create_form(session, {"name": "A", "fields": ["first_name"], "allowed_origins": ["https://A.example.com"]})
    key = form.key
    update_form(session, form, {"name": "B", "key": "other", "fields": ["company"], "required_fields": ["company"]})
    assert (form.key, form.name, form.fields, form.required_fields) == (key, "B", ["company"], ["company"])
    assert form.allowed_origins == []
    form.active = False
    session.flush()
    assert get_active_form(session, key) is None


def test_an_invalid_edit_changes_nothing(session):
    form = create_form(session, {"name": "A", "fields": ["first_name"]})
    with pytest.raises(ValidationError):
        update_form(session, form, {"name": "B", "fields": ["lead_status"]})
    assert (form.name, form.fields) == ("A", ["first_name"])
