"""The links in a sent email work: the pixel records an open, a click redirects only where the
message pointed, and a one-click unsubscribe stops the next email of the sequence."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState
from nurture.models import EmailEvent, LeadEvent, Suppression

TWO_EMAILS = {
    "steps": [
        {"id": "one", "type": "email", "subject": "One", "html": "<p>Read <a href='https://example.com/guide?a=1&b=2'>the guide</a></p>"},
        {"id": "gap", "type": "wait", "amount": 1, "unit": "days"},
        {"id": "two", "type": "email", "subject": "Two", "html": "<p>Two</p>"},
    ]
}


def _sent(session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink):
    sequence = make_sequence(TWO_EMAILS)
    lead = make_lead("reader@example.com")
    enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    html = smtp_sink.received[0].message.get_body(("html",)).get_content()
    return lead, html


def _path(html: str, kind: str) -> str:
    return re.search(rf'http://nurture\.test(/{kind}/[^"]+)"', html).group(1)


def test_open_and_click_are_recorded_and_the_click_goes_where_the_email_pointed(
    client, session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink, ingest
):
    lead, html = _sent(session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink)
    pixel = client.get(_path(html, "t/o"), headers={"User-Agent": "Mozilla/5.0 <script>"})
    assert pixel.status_code == 200 and pixel.mimetype == "image/gif" and pixel.data.startswith(b"GIF89a")
    click_path = _path(html, "t/c")
    clicked = client.get(click_path)
    assert clicked.status_code == 302 and clicked.headers["Location"] == "https://example.com/guide?a=1&b=2"
    assert session.scalars(select(EmailEvent)).all() == []  # answered before anything was written…
    assert ingest() == 2  # …and written by the ingest consumer
    events = session.scalars(select(EmailEvent).where(EmailEvent.lead_id == lead.id)).all()
    assert sorted(e.kind for e in events) == ["click", "open"]
    assert next(e for e in events if e.kind == "open").user_agent == "Mozilla/5.0 <script>"

    token = click_path.rsplit("/", 1)[1]
    for position in (0, len(token) // 2, len(token) - 1):  # one character edited: nowhere
        edited = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        response = client.get(f"/t/c/{edited}")
        assert response.status_code == 404 and "Location" not in response.headers
    assert client.get("/t/c/" + "x" * 5000).status_code == 404
    assert client.get(_path(html, "t/o").replace("/t/o/", "/t/c/")).status_code == 404  # an open token is no click token
    assert client.get("/t/o/garbage").status_code == 200  # the pixel never breaks…
    assert ingest() == 0
    assert len(session.scalars(select(EmailEvent)).all()) == 2  # …and records nothing for garbage


def test_one_click_unsubscribe_stops_the_queued_next_email(
    client, session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink
):
    lead, html = _sent(session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink)
    unsubscribe_url = smtp_sink.received[0].message["List-Unsubscribe"].strip("<>")
    path = unsubscribe_url.removeprefix("http://nurture.test")
    assert path in html  # the footer link and the header are the same

    page = client.get(path)  # a GET (or a link scanner) changes nothing
    assert page.status_code == 200 and "Unsubscribe?" in page.get_data(as_text=True)
    assert session.scalar(select(Suppression)) is None

    for _ in range(2):  # RFC 8058 one-click, posted twice: 200 both times, no redirect
        done = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    assert session.scalar(select(Suppression.reason)) == "unsubscribed"
    assert session.scalar(select(LeadEvent.reason).where(LeadEvent.kind == "unsubscribed")) == "Unsubscribed (one-click)"
    assert session.scalar(select(Enrollment.state)) == EnrollmentState.EXITED

    clock.advance(days=2)
    tick(smtp_transport)
    assert [r.message["Subject"] for r in smtp_sink.received] == ["One"]
    assert client.post(path[:-2] + "zz").status_code == 404
