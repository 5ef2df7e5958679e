"""A marketer enrolls every lead of a leads-list filter in a sequence, as a job with progress and a summary."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from campaigns.models import Enrollment
from campaigns.sequences import pause
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.mail.suppression import suppress
from nurture.models import Role
from tests.conftest import login
from tests.jobs import work_off
from tests.sales import active_sequence
from tests.web.test_admin_imports import csrf

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def webinar_leads(session, count: int = 4) -> None:
    for n in range(count):
        create_lead(session, validate_lead_input({"email": f"w{n}@example.com", "source": "webinar"}), reason="test")
    create_lead(session, validate_lead_input({"email": "other@example.com", "source": "ebook"}), reason="test")
    session.commit()


def enrollments(session) -> int:
    return session.scalar(select(func.count()).select_from(Enrollment))


def test_a_marketer_enrolls_a_filtered_list_and_sees_the_refusals_by_reason(client, session, make_account, settings, session_factory):
    webinar_leads(session)
    sequence = active_sequence(session, "Webinar follow-up", NOW)
    suppress(session, "w0@example.com", "unsubscribed")
    session.commit()
    login(client, make_account(Role.MARKETER))

    listing = client.get("/leads/?source=webinar").get_data(as_text=True)
    link = re.search(r'href="(/leads/enroll/\?[^"]+)"', listing).group(1)
    assert link == "/leads/enroll/?source=webinar" and "Enroll these 4 leads in a sequence" in listing
    form = client.get(link).get_data(as_text=True)
    assert 'data-matching>4<' in form and "Webinar follow-up (Nurture)" in form
    assert '<input type="hidden" name="source" value="webinar">' in form

    started = client.post("/leads/enroll/", data={"csrf_token": csrf(client, link), "source": "webinar", "sequence_id": sequence.id})
    assert started.status_code == 303
    page_url = started.headers["Location"]
    assert re.fullmatch(r"/leads/enroll/[0-9a-f]{32}", page_url)
    assert client.get(f"{page_url}/progress.json").json["state"] == "queued"
    assert "Waiting for a worker" in client.get(page_url).get_data(as_text=True)

    work_off(settings, session_factory)

    progress = client.get(f"{page_url}/progress.json").json
    assert progress["state"] == "finished" and progress["percent"] == 100
    assert progress["counts"] == {"enrolled": 3, "skipped": 0, "refused": 1}
    page = client.get(page_url).get_data(as_text=True)
    assert 'data-count="enrolled">3<' in page and 'data-count="refused">1<' in page
    assert re.search(r"<td>The address is suppressed \(unsubscribed\)</td><td data-reason-count>1</td>", page)
    assert enrollments(session) == 3

    again = client.post("/leads/enroll/", data={"csrf_token": csrf(client, link), "source": "webinar", "sequence_id": sequence.id})
    work_off(settings, session_factory)
    assert client.get(f"{again.headers['Location']}/progress.json").json["counts"] == {"enrolled": 0, "skipped": 3, "refused": 1}
    assert enrollments(session) == 3  # never twice


def test_the_form_refuses_bad_filters_inactive_sequences_and_missing_csrf(client, session, make_account):
    webinar_leads(session, 1)
    sequence = active_sequence(session, "Paused one", NOW)
    pause(session, sequence, NOW)
    session.commit()
    login(client, make_account(Role.ADMIN))

    bad_filter = client.get("/leads/enroll/?source=moon")
    assert bad_filter.status_code == 400 and "Unknown value" in bad_filter.get_data(as_text=True)
    empty = client.get("/leads/enroll/?source=webinar").get_data(as_text=True)
    assert "No active sequence to enroll them in." in empty
    active_sequence(session, "Live one", NOW)

    token = csrf(client, "/leads/enroll/")
    inactive = client.post("/leads/enroll/", data={"csrf_token": token, "source": "webinar", "sequence_id": sequence.id})
    assert inactive.status_code == 422 and "Choose an active sequence" in inactive.get_data(as_text=True)
    assert client.post("/leads/enroll/", data={"csrf_token": token, "source": "moon", "sequence_id": "1"}).status_code == 422
    assert client.post("/leads/enroll/", data={"source": "webinar", "sequence_id": sequence.id}).status_code == 400
    assert client.get("/leads/enroll/" + "0" * 32).status_code == 404
    assert enrollments(session) == 0
