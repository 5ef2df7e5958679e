"""A visitor fills in a form: a lead is created or updated, and the timeline says which form."""

import pytest
from sqlalchemy import func, select

from nurture.errors import ValidationError
from nurture.forms.definitions import create_form
from nurture.forms.submit import submit_form
from nurture.models import Lead, LeadEvent, LeadSource


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ebook_form(session):
    form = create_form(
        session,
        {
            "name": "Pricing guide",
            "fields": ["first_name", "company", "source_detail"],
            "required_fields": ["first_name"],
            "source": "ebook",
            "source_detail": "Pricing guide 2026",
        },
    )
    session.flush()
    return form


def test_a_new_visitor_becomes_a_lead_from_the_forms_source(session, ebook_form):
    result = submit_form(session, ebook_form, {"email": "Ann@Example.com", "first_name": "Ann", "company": "Acme"})
    lead = result.lead
    assert result.created is True
    assert (lead.email, lead.first_name, lead.source, lead.source_detail) == (
        "ann@example.com",
        "Ann",
        LeadSource.EBOOK,
        "Pricing guide 2026",
    )
    assert lead.company.name == "Acme"
    kinds = session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id)).all()
    assert kinds == ["created", "form_submitted"]
    event = session.scalar(select(LeadEvent).where(LeadEvent.kind == "form_submitted"))
    assert event.data == {
        "form_id": ebook_form.id,
        "form_key": ebook_form.key,
        "form_name": "Pricing guide",
        "fields": ["company", "email", "first_name"],
        "created": True,
    }
    assert "Pricing guide" in event.reason


def test_a_returning_visitor_updates_the_same_lead_and_keeps_the_first_source(session, ebook_form):
    webinar = create_form(session, {"name": "Webinar", "fields": ["first_name", "title"], "source": "webinar"})
    first = submit_form(session, ebook_form, {"email": "ann@example.com", "first_name": "Ann"}).lead
    again = submit_form(session, webinar, {"email": "ANN@EXAMPLE.COM", "first_name": "Anna", "title": "CTO"})
    assert again.created is False and again.lead.id == first.id
    assert count(session, Lead) == 1
    assert (first.first_name, first.title, first.source, first.source_detail) == (
        "Anna",
        "CTO",
        LeadSource.EBOOK,
        "Pricing guide 2026",
    )
    forms = session.scalars(
        select(LeadEvent.data).where(LeadEvent.kind == "form_submitted").order_by(LeadEvent.id)
    ).all()
    assert [d["form_name"] for d in forms] == ["Pricing guide", "Webinar"]


def test_the_visitors_own_source_detail_wins_when_the_form_allows_it(session, ebook_form):
    lead = submit_form(session, ebook_form, {"email": "b@example.com", "first_name": "B", "source_detail": "ad"}).lead
    assert lead.source_detail == "ad"


def test_a_filled_honeypot_stores_nothing(session, ebook_form):
    result = submit_form(session, ebook_form, {"email": "bot@example.com", "first_name": "B", "website_url": "x"})
    assert result.lead is None
    assert (count(session, Lead), count(session, LeadEvent)) == (0, 0)


def test_an_empty_honeypot_is_not_an_unknown_field(session, ebook_form):
    result = submit_form(session, ebook_form, {"email": "c@example.com", "first_name": "C", "website_url": ""})
    assert result.lead is not None and result.created


def test_fields_the_form_does_not_ask_for_are_refused_and_nothing_is_stored(session, ebook_form):
    with pytest.raises(ValidationError) as exc:
        submit_form(
            session,
            ebook_form,
            {"email": "d@example.com", "first_name": "D", "owner_email": "boss@example.com", "lifecycle_stage": "sql"},
        )
    assert exc.value.errors == {"owner_email": "Unknown field", "lifecycle_stage": "Unknown field"}
    assert (count(session, Lead), count(session, LeadEvent)) == (0, 0)


def test_required_fields_are_required(session, ebook_form):
    with pytest.raises(ValidationError) as exc:
        submit_form(session, ebook_form, {"email": "e@example.com", "first_name": "  "})
    assert exc.value.errors == {"first_name": "Required field missing"}
    assert count(session, Lead) == 0


def test_too_many_keys_are_refused_before_validation(session, ebook_form):
    data = {f"k{i}": "x" for i in range(101)} | {"email": "f@example.com", "first_name": "F"}
    with pytest.raises(ValidationError) as exc:
        submit_form(session, ebook_form, data)
    assert list(exc.value.errors) == ["body"]
    assert count(session, Lead) == 0
