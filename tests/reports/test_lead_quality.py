"""The lead-quality report counts a seeded scenario exactly, per source and campaign, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select, update

from campaigns.qualification import disqualify_lead, qualify_lead, resurface_due
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import Lead, Opportunity, Role
from nurture.opportunities.changes import change_opportunity
from nurture.qualification.inputs import validate_disqualify_input, validate_qualify_input
from nurture.reports.lead_quality import lead_quality
from tests.conftest import bearer

NOW = datetime(2026, 11, 10, 10, tzinfo=UTC)
DEAL = {"amount": "1000", "currency": "EUR", "close_date": "2027-01-31"}


def seed(session, settings, rep):
    """Webinar 'Q4' (6 leads), webinar 'Q3' (2), ebook (no campaign, 2), and one lead created outside the period."""

    def lead(email, stage, source="webinar", campaign="Q4", created=NOW):
        values = {"email": email, "lifecycle_stage": stage, "source": source, "source_detail": campaign}
        if stage == "sql":
            values |= {"owner_team": "sales", "owner_user_id": rep.id}
        made = create_lead(session, validate_lead_input(values), reason="seed")
        made.created_at = created
        session.flush()
        return made

    lead("q4-a@acme.com", "lead")
    lead("q4-b@acme.com", "mql")
    won = lead("q4-c@acme.com", "sql")
    lost = lead("q4-d@acme.com", "sql")
    budget = lead("q4-e@acme.com", "sql")
    timing = lead("q4-f@acme.com", "sql")
    lead("q3-a@acme.com", "mql", campaign="Q3")
    junk = lead("q3-b@acme.com", "sql", campaign="Q3")
    lead("eb-a@acme.com", "lead", source="ebook", campaign=None)
    open_deal = lead("eb-b@acme.com", "sql", source="ebook", campaign=None)
    old = lead("old@acme.com", "sql", created=datetime(2026, 9, 1, tzinfo=UTC))
    session.commit()

    for target in (won, lost, open_deal, old):
        qualify_lead(session, target, validate_qualify_input(DEAL, "deal"), actor=rep, now=NOW)
    session.commit()
    [won_deal, lost_deal] = [_deal(session, won), _deal(session, lost)]
    change_opportunity(session, won_deal, {"stage": "closed_won"}, actor=rep, now=NOW, reason="signed")
    change_opportunity(session, lost_deal, {"stage": "closed_lost", "lost_reason": "price"}, actor=rep, now=NOW, reason="lost")
    today = NOW.date()
    disqualify_lead(session, settings, budget, validate_disqualify_input({"reason": "no_budget"}, today), actor=rep, now=NOW)
    disqualify_lead(session, settings, timing, validate_disqualify_input({"reason": "bad_timing", "resurface_on": "2026-12-01"}, today), actor=rep, now=NOW)
    disqualify_lead(session, settings, junk, validate_disqualify_input({"reason": "junk"}, today), actor=rep, now=NOW)
    session.commit()
    assert resurface_due(session, settings, datetime(2026, 12, 1, 8, tzinfo=UTC)) == 1
    # The lead-quality report must not care that the resurfaced lead is "lead"/"new" again.
    session.execute(update(Lead).where(Lead.id == timing.id).values(lead_status="new"))
    session.commit()


def _deal(session, lead):
    return session.scalar(select(Opportunity).where(Opportunity.contact_lead_id == lead.id))


def test_report_numbers_for_a_seeded_scenario(session, settings, make_account):
    rep = make_account(Role.REP).user
    seed(session, settings, rep)
    report = lead_quality(session, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    rows = {(r.source, r.campaign): r.as_dict() for r in report.by_campaign}
    q4 = rows[("webinar", "Q4")]
    assert {k: q4[k] for k in ("leads", "mqls", "sales_accepted", "disqualified", "bad_timing_returns", "opportunities", "won")} == {
        "leads": 6, "mqls": 5, "sales_accepted": 4, "disqualified": 2, "bad_timing_returns": 1, "opportunities": 2, "won": 1}
    assert q4["disqualified_by_reason"] == {"no_budget": 1, "no_authority": 0, "no_need": 0, "bad_timing": 1, "competitor": 0,
                                           "not_reachable": 0, "junk": 0}  # fmt: skip
    q3 = rows[("webinar", "Q3")]
    assert (q3["leads"], q3["mqls"], q3["sales_accepted"], q3["disqualified_by_reason"]["junk"], q3["opportunities"]) == (2, 2, 1, 1, 0)
    ebook = rows[("ebook", None)]
    assert (ebook["leads"], ebook["mqls"], ebook["sales_accepted"], ebook["opportunities"], ebook["won"]) == (2, 1, 1, 1, 0)
    webinar = next(r for r in report.by_source if r.source == "webinar")
    assert (webinar.leads, webinar.mqls, webinar.sales_accepted, webinar.disqualified, webinar.opportunities, webinar.won) == (8, 7, 5, 3, 2, 1)
    assert (report.total.leads, report.total.opportunities) == (10, 3)  # the September lead is outside the period


def test_api_json_csv_and_roles(client, session, settings, make_account):
    rep, marketer = make_account(Role.REP), make_account(Role.MARKETER)
    seed(session, settings, rep.user)
    url = "/api/v1/reports/lead-quality?from=2026-11-01&to=2026-11-30"
    response = client.get(url, headers=bearer(marketer))
    assert response.status_code == 200, response.json
    assert response.json["total"]["leads"] == 10 and response.json["to"] == "2026-12-01T00:00:00+00:00"  # "to" is a whole day
    assert [r["source"] for r in response.json["by_source"]] == ["ebook", "webinar"]
    as_csv = client.get(url + "&format=csv", headers=bearer(marketer))
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    q4 = next(r for r in lines if (r["source"], r["campaign"]) == ("webinar", "Q4"))
    assert (q4["leads"], q4["sales_accepted"], q4["disqualified_no_budget"], q4["bad_timing_returns"], q4["won"]) == ("6", "4", "1", "1", "1")
    assert lines[-1]["source"] == "all" and lines[-1]["leads"] == "10"
    assert client.get(url, headers=bearer(rep)).status_code == 403
    bad = client.get("/api/v1/reports/lead-quality?from=yesterday&format=xls", headers=bearer(marketer))
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"format"}
    assert client.get("/api/v1/reports/lead-quality?from=yesterday", headers=bearer(marketer)).json["errors"] == {
        "from": "A date (YYYY-MM-DD) or an ISO 8601 date-time"}
