"""Who may be enrolled in a cadence, by whom, and what a refusal says: over the JSON API and the admin pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaigns.models import Enrollment, EnrollmentState, SequenceVersion
from nurture.mail.suppression import suppress
from nurture.models import Role
from tests.conftest import bearer, login
from tests.jobs import work_off
from tests.sales import sales_lead
from tests.web.page_forms import PageForm
from tests.web.test_admin_imports import csrf

STEPS = [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]


def _cadences(make_sequence):
    return (make_sequence({"steps": STEPS}, name="Outreach", kind="cadence"),
            make_sequence({"steps": STEPS}, name="Second", kind="cadence"),
            make_sequence({"steps": STEPS, "exclusive": False}, name="Events", kind="cadence"))  # fmt: skip


def test_api_refuses_another_reps_lead_a_second_cadence_and_suppressed_addresses_with_reasons(
    client, session, admin, make_account, make_sequence
):
    outreach, second, events = _cadences(make_sequence)
    rep, other_rep = make_account(Role.REP, "rep@example.com"), make_account(Role.REP, "other@example.com")
    mine, theirs = sales_lead(session, rep.user, "mine@acme-corp.com"), sales_lead(session, other_rep.user, "theirs@acme-corp.com")
    unsubscribed, bounced = sales_lead(session, rep.user, "left@acme-corp.com"), sales_lead(session, None, "gone@acme-corp.com")
    free = sales_lead(session, None, "free@acme-corp.com")
    suppress(session, unsubscribed.email, "unsubscribed")
    suppress(session, bounced.email, "hard_bounce")
    session.commit()

    def enroll(account, sequence, lead):
        return client.post(f"/api/v1/sequences/{sequence.id}/enrollments", json={"lead_id": lead.id}, headers=bearer(account))

    assert enroll(rep, outreach, mine).status_code == 201
    refused = enroll(rep, second, mine)
    assert refused.status_code == 422
    assert refused.json == {"errors": {"lead_id": "Already in the cadence 'Outreach' (one cadence at a time)"}}
    assert enroll(rep, events, mine).status_code == 201  # a cadence that is not exclusive runs alongside
    assert enroll(rep, outreach, theirs).json == {"errors": {"lead_id": "Owned by another rep (other@example.com)"}}
    assert enroll(admin, outreach, theirs).status_code == 201  # admins may

    bulk = client.post(f"/api/v1/sequences/{second.id}/enrollments", json={"filter": {"q": "acme-corp"}}, headers=bearer(rep))
    assert bulk.status_code == 200 and bulk.json["enrolled"] == 1
    assert {r["email"]: r["reason"] for r in bulk.json["refusals"]} == {
        "mine@acme-corp.com": "Already in the cadence 'Outreach' (one cadence at a time)",
        "theirs@acme-corp.com": "Owned by another rep (other@example.com)",
        "left@acme-corp.com": "The address is suppressed (unsubscribed)",
        "gone@acme-corp.com": "The address is suppressed (hard bounce)",
    }
    live = session.scalars(select(Enrollment.lead_id).where(Enrollment.sequence_id == second.id, Enrollment.state == EnrollmentState.ACTIVE))
    assert list(live) == [free.id]


def test_a_rep_enrolls_from_the_lead_page_and_from_the_filtered_leads_list(
    client, session, make_account, make_sequence, settings, session_factory
):
    outreach, second, _events = _cadences(make_sequence)
    nurture_id = make_sequence({"steps": STEPS}, name="Webinar nurture").id
    rep, other_rep = make_account(Role.REP, "rep@example.com"), make_account(Role.REP, "other@example.com")
    mine = sales_lead(session, rep.user, "mine@acme-corp.com")
    sales_lead(session, other_rep.user, "theirs@acme-corp.com")
    sales_lead(session, None, "elsewhere@other-corp.com")
    login(client, rep)

    page = client.get(f"/leads/{mine.id}").get_data(as_text=True)
    form = PageForm(page, "enroll-cadence").set("sequence_id", str(outreach.id))
    done = client.post(f"/leads/{mine.id}/enroll", data=form.data("enroll"), follow_redirects=True)
    assert "Enrolled in “Outreach”." in done.get_data(as_text=True)
    form.set("sequence_id", str(second.id))
    again = client.post(f"/leads/{mine.id}/enroll", data=form.data("enroll"), follow_redirects=True)
    assert "Not enrolled in “Second”: Already in the cadence &#39;Outreach&#39;" in again.get_data(as_text=True)

    listing = client.get("/leads/?q=acme-corp").get_data(as_text=True)
    link = re.search(r'href="(/leads/enroll/\?[^"]+)"', listing).group(1)
    assert "Enroll these 2 leads in a cadence" in listing  # the list's filter travels with the link
    form = client.get(link).get_data(as_text=True)
    assert "Second (Cadence)" in form and "Webinar nurture" not in form  # reps enroll in cadences only
    token = csrf(client, link)
    nurture = client.post("/leads/enroll/", data={"csrf_token": token, "q": "acme-corp", "sequence_id": nurture_id})
    assert nurture.status_code == 422 and "Choose an active cadence" in nurture.get_data(as_text=True)
    started = client.post("/leads/enroll/", data={"csrf_token": token, "q": "acme-corp", "sequence_id": second.id})
    assert started.status_code == 303
    work_off(settings, session_factory)
    text = client.get(started.headers["Location"]).get_data(as_text=True)
    assert 'data-count="enrolled">0<' in text and 'data-count="refused">2<' in text
    assert "Owned by another rep (other@example.com)" in text and "theirs@acme-corp.com" in text
    assert "elsewhere@other-corp.com" not in text  # outside the filter
    assert client.post("/leads/enroll/", data={"q": "acme-corp", "sequence_id": str(second.id)}).status_code == 400  # no CSRF token
    theirs = client.application.test_client()
    login(theirs, other_rep)
    assert theirs.get(started.headers["Location"]).status_code == 404  # another rep's run is not theirs to see


def test_the_builder_sets_and_reads_back_a_cadences_options(client, session, make_account):
    login(client, make_account(Role.MARKETER))
    page = client.get("/sequences/new").get_data(as_text=True)
    form = PageForm(page).update({"name": "Account play", "kind": "cadence", "steps-0-id": "hello",
                                  "steps-0-variants-0-subject": "Hello", "steps-0-variants-0-html": "<p>Hi</p>",
                                  "exclusive": [], "stop_on_company_reply": "on"})  # fmt: skip
    assert PageForm(page).get("exclusive") == "on"  # exclusive unless unticked
    saved = client.post("/sequences/new", data=form.data("save"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    definition = session.scalar(select(SequenceVersion.definition))
    assert (definition["exclusive"], definition["stop_on_company_reply"]) == (False, True)
    shown = PageForm(client.get(saved.headers["Location"]).get_data(as_text=True))
    assert shown.getlist("exclusive") == [] and shown.get("stop_on_company_reply") == "on"
