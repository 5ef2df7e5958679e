"""Opportunities: a close date always, a pipeline of stages, won makes a customer, lost needs a reason, never deleted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError

from nurture.errors import ValidationError
from nurture.models import Lead, LeadEvent, Opportunity, OpportunityDeleteRefused, OpportunityEvent, Role
from nurture.opportunities.changes import change_opportunity
from nurture.opportunities.create import create_opportunity
from nurture.opportunities.pipeline import pipeline
from nurture.opportunities.validation import validate_opportunity_input
from tests.sales import opportunity, sales_lead

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def test_the_default_pipeline_is_data_with_order_and_probability(session):
    stages = [(s.key, s.probability, s.outcome.value) for s in pipeline(session)]
    assert stages == [("qualification", 10, "open"), ("discovery", 25, "open"), ("proposal", 50, "open"),
                      ("negotiation", 75, "open"), ("closed_won", 100, "won"), ("closed_lost", 0, "lost")]  # fmt: skip


def test_no_opportunity_without_a_close_date(session, make_account):
    rep = make_account(Role.REP).user
    lead = sales_lead(session, rep)
    with pytest.raises(ValidationError) as missing:
        validate_opportunity_input({"name": "X", "amount": "10", "currency": "EUR", "contact_lead_id": lead.id}, creating=True)
    assert missing.value.errors == {"close_date": "Required field missing"}
    with pytest.raises(ValidationError) as direct:  # the service checks again, whoever calls it
        create_opportunity(session, lead, {"name": "X", "amount": Decimal(10), "currency": "EUR"}, actor=rep, now=NOW, reason="t")
    assert direct.value.errors == {"close_date": "Required field missing"}
    assert session.scalar(select(func.count()).select_from(Opportunity)) == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"currency": "EURO"}, {"currency": "Currency unknown (ISO 4217 code expected, e.g. EUR)"}),
        ({"currency": "XYZ"}, {"currency": "Currency unknown (ISO 4217 code expected, e.g. EUR)"}),
        ({"amount": "-5"}, {"amount": "Must be zero or more"}),
        ({"amount": "1.005"}, {"amount": "At most two decimal places"}),
        ({"amount": "lots"}, {"amount": "Must be a number, e.g. 12500.00"}),
        ({"amount": "1e30"}, {"amount": "Too large (at most 999999999999.99)"}),
        ({"close_date": "31/01/2027"}, {"close_date": "Must be a date (YYYY-MM-DD)"}),
    ],
)
def test_amount_currency_and_date_are_validated(body, errors):
    base = {"name": "X", "amount": "10", "currency": "usd", "close_date": "2027-01-31"}
    with pytest.raises(ValidationError) as exc:
        validate_opportunity_input({**base, **body}, creating=True)
    assert exc.value.errors == errors
    assert validate_opportunity_input(base, creating=True)["currency"] == "USD"


def test_created_deal_copies_attribution_and_makes_the_lead_an_opportunity(session, make_account):
    rep = make_account(Role.REP).user
    lead = sales_lead(session, rep, website="https://acme.com", company="Acme")
    opp = opportunity(session, lead, rep, NOW)
    session.expire_all()
    opp = session.get(Opportunity, opp.id)
    assert (opp.stage.key, opp.amount, opp.owner_user_id) == ("qualification", Decimal("12500.00"), rep.id)
    assert (opp.source.value, opp.source_detail, opp.company_id) == ("webinar", "Q4 webinar", lead.company_id)
    assert session.get(Lead, lead.id).lifecycle_stage == "opportunity"
    assert [e.kind for e in session.scalars(select(OpportunityEvent).where(OpportunityEvent.opportunity_id == opp.id))] == ["created"]


def test_moving_through_stages_is_history_and_won_makes_a_customer(session, make_account):
    rep = make_account(Role.REP).user
    lead = sales_lead(session, rep)
    opp = opportunity(session, lead, rep, NOW)
    for key in ("discovery", "proposal"):
        change_opportunity(session, opp, {"stage": key}, actor=rep, now=NOW, reason=f"to {key}")
    change_opportunity(session, opp, {"amount": Decimal("15000.00"), "close_date": date(2027, 2, 28)}, actor=rep, now=NOW, reason="resized")
    change_opportunity(session, opp, {"stage": "closed_won"}, actor=rep, now=NOW, reason="signed")
    session.commit()
    history = session.scalars(select(OpportunityEvent).where(OpportunityEvent.opportunity_id == opp.id).order_by(OpportunityEvent.id)).all()
    assert [(e.kind, e.data.get("stage")) for e in history] == [
        ("created", "qualification"), ("stage_changed", ["qualification", "discovery"]), ("stage_changed", ["discovery", "proposal"]),
        ("updated", None), ("stage_changed", ["proposal", "closed_won"])]  # fmt: skip
    assert history[3].data == {"amount": ["12500.00", "15000.00"], "close_date": ["2027-01-31", "2027-02-28"]}
    assert opp.closed_at == NOW and session.get(Lead, lead.id).lifecycle_stage == "customer"
    kinds = session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id)).all()
    assert "opportunity_won" in kinds
    with pytest.raises(ValidationError) as closed:
        change_opportunity(session, opp, {"amount": Decimal(1)}, actor=rep, now=NOW, reason="late")
    assert "closed" in closed.value.errors["stage"]


def test_lost_needs_a_reason_and_a_returning_deal_is_a_new_linked_one(session, make_account):
    rep = make_account(Role.REP).user
    lead = sales_lead(session, rep)
    opp = opportunity(session, lead, rep, NOW)
    with pytest.raises(ValidationError) as exc:
        change_opportunity(session, opp, {"stage": "closed_lost"}, actor=rep, now=NOW, reason="lost")
    assert exc.value.errors == {"lost_reason": "Required to close a deal as lost"}
    with pytest.raises(ValidationError):  # an open deal cannot be "brought back"
        opportunity(session, lead, rep, NOW, previous_opportunity_id=opp.id)
    change_opportunity(session, opp, {"stage": "closed_lost", "lost_reason": "Chose a competitor"}, actor=rep, now=NOW, reason="lost")
    session.commit()
    again = opportunity(session, lead, rep, NOW, name="Acme deal, take two", previous_opportunity_id=opp.id)
    assert (again.previous_opportunity_id, again.stage.key, opp.lost_reason) == (opp.id, "qualification", "Chose a competitor")
    assert lead.company_id is not None  # acme.com
    assert session.scalar(select(func.count()).where(Opportunity.company_id == lead.company_id)) == 2  # a company has many


def test_the_database_refuses_to_delete_an_opportunity(session, make_account, database):
    rep = make_account(Role.REP).user
    opp = opportunity(session, sales_lead(session, rep), rep, NOW)
    for statement in (delete(Opportunity).where(Opportunity.id == opp.id), delete(OpportunityEvent), delete(Opportunity)):
        with pytest.raises(DBAPIError, match="never deleted"), session.begin_nested():
            session.execute(statement)
    if database.backend == "postgresql":
        with pytest.raises(DBAPIError, match="never deleted"), session.begin_nested():
            session.execute(text("TRUNCATE opportunities CASCADE"))
    with pytest.raises(DBAPIError), session.begin_nested():  # nor can its lead go and take it along
        session.execute(delete(Lead).where(Lead.id == opp.contact_lead_id))
    assert session.scalar(select(func.count()).select_from(Opportunity)) == 1


def test_the_orm_refuses_before_the_round_trip(session, make_account):
    rep = make_account(Role.REP).user
    opp = opportunity(session, sales_lead(session, rep), rep, NOW)
    session.delete(opp)
    with pytest.raises(OpportunityDeleteRefused):
        session.flush()
    session.rollback()
    assert session.get(Opportunity, opp.id) is not None
