"""Machines open and click too: scanners, privacy proxies, the hidden link, instant clicks and
link-walking bursts are kept but flagged, and only people score."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from campaigns.enrollments import enroll
from nurture.db.base import utcnow
from nurture.mail.bots import machine_reason
from nurture.models import EmailEvent, Role
from tests.conftest import bearer

HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
LINKS = "".join(f"<a href='https://example.com/{n}'>link {n}</a> " for n in range(4))


def _send(session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink):
    clock.now = utcnow() - timedelta(hours=1)  # delivered an hour ago
    sequence = make_sequence({"steps": [{"id": "a", "type": "email", "subject": "Hi", "html": f"<p>{LINKS}</p>"}]})
    lead = make_lead("person@example.com")
    enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    html = smtp_sink.received[0].message.get_body(("html",)).get_content()
    return lead, re.findall(r'http://nurture\.test(/t/[co]/[^"]+)"', html)


def _events(session):
    return session.scalars(select(EmailEvent).order_by(EmailEvent.id)).all()


def test_people_count_and_scanners_proxies_and_the_honeypot_do_not(
    client, session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink, make_account, ingest
):
    lead, paths = _send(session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink)
    clicks = [p for p in paths if p.startswith("/t/c/")]
    pixel = next(p for p in paths if p.startswith("/t/o/"))
    assert len(clicks) == 5  # four links and the hidden honeypot
    client.get(pixel, headers={"User-Agent": HUMAN})
    client.get(clicks[0], headers={"User-Agent": HUMAN})
    client.get(pixel, headers={"User-Agent": "Mozilla/5.0"})  # Apple Mail Privacy Protection
    client.get(clicks[1], headers={"User-Agent": "Mozilla/5.0 (compatible; Barracuda Sentinel)"})
    client.get(clicks[-1], headers={"User-Agent": HUMAN})  # the hidden link: no person can click it
    ingest()
    flags = [(e.kind, e.is_machine, e.machine_reason) for e in _events(session)]
    assert flags == [
        ("open", False, None),
        ("click", False, None),
        ("open", True, "privacy proxy (Apple Mail Privacy Protection)"),
        ("click", True, "scanner or proxy user agent"),
        ("click", True, "hidden honeypot link"),
    ]
    score = client.get(f"/api/v1/leads/{lead.id}/score", headers=bearer(make_account(Role.ADMIN))).json
    assert sorted(c["kind"] for c in score["engagement"]["contributions"]) == ["click", "open"]


def test_every_link_clicked_at_once_is_a_machine(client, session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink, ingest):
    _lead, paths = _send(session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink)
    for path in [p for p in paths if p.startswith("/t/c/")][:3]:
        assert client.get(path, headers={"User-Agent": HUMAN}).status_code == 302  # redirected all the same
    ingest()
    assert [(e.is_machine, e.machine_reason) for e in _events(session)] == [(True, "every link clicked at once")] * 3


def test_instant_clicks_and_missing_agents_are_machines():
    sent = utcnow()
    assert machine_reason("click", HUMAN, sent + timedelta(seconds=2), sent, "https://x.test") == "clicked within 5 s of delivery"
    assert machine_reason("click", HUMAN, sent + timedelta(minutes=3), sent, "https://x.test") is None
    assert machine_reason("open", "", sent, sent, None) == "no user agent"
    assert machine_reason("open", "python-requests/2.32", sent, sent, None) == "scanner or proxy user agent"
