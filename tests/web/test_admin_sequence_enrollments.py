"""A sequence's enrollments: counts per step that match what the engine did, and each lead's planned timeline."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from campaigns.calendars import calendar_for
from campaigns.claiming import claim_due
from campaigns.definitions import parse_definition
from campaigns.enrollments import enroll
from campaigns.execution import run_claim
from campaigns.models import Send, SendState
from campaigns.planner import Delay, DelayUnit, add_delay, next_opening
from campaigns.tracking import record_engagement, unsubscribe
from nurture.db.base import utcnow
from nurture.mail.outbox import OutboxTransport
from nurture.mail.smtp import SmtpTransport
from nurture.models import Role
from tests.conftest import login
from tests.web.sequence_pages import DEFINITION, make_lead, make_sequence

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
AB_DEFINITION = {
    "steps": [
        {"id": "welcome", "type": "email", "variants": [
            {"id": "a", "subject": "Welcome", "html": "<p>Hello <a href='https://example.com/a'>A</a></p>", "weight": 1},
            {"id": "b", "subject": "Hi there", "html": "<p>Hi <a href='https://example.com/b'>B</a></p>", "weight": 1},
        ]},
        {"id": "pause", "type": "wait", "amount": 2, "unit": "days"},
        {"id": "nudge", "type": "email", "subject": "Still there?", "html": "<p>Nudge</p>"},
    ],
}  # fmt: skip


@pytest.fixture
def marketer(make_account):
    return make_account(Role.MARKETER, "marketer@example.com")


@pytest.fixture
def engine_settings(settings):
    return settings.with_(sender_email="news@nurture.test", frequency_cap_per_day=0)


def run_engine(session, settings, transport, now: datetime) -> None:
    """Scheduler passes at ``now`` until nothing is due."""
    while (claim := claim_due(session, now, settings.batch_size, settings.claim_lease_seconds)).enrollment_ids:
        run_claim(session, settings, claim, transport, clock=lambda: now)


def step_counts(page: str) -> dict[str, dict[str, int]]:
    table = page.split('id="step-counts"')[1].split("</table>")[0]
    rows = {}
    for step_id, body in re.findall(r'<tr data-step="([^"]+)">(.*?)</tr>', table, re.S):
        rows[step_id] = {name: int(value) for name, value in re.findall(r'data-count="(\w+)">(\d+)<', body)}
        for variant, sent, opened, clicked in re.findall(
            r'data-variant="(\w+)">Variant \w+: (\d+) sent, (\d+) opened, (\d+) clicked', body
        ):
            rows[step_id][f"variant_{variant}"] = (int(sent), int(opened), int(clicked))  # type: ignore[assignment]
    return rows


def test_step_counts_match_what_the_engine_did(client, session, marketer, engine_settings, smtp_sink):
    sequence = make_sequence(session, AB_DEFINITION, name="A/B welcome")
    start = utcnow()
    leads = [make_lead(session, f"lead{n}@example.com", first_name=f"Lead{n}") for n in range(6)]
    for lead in leads:
        enroll(session, sequence, lead, now=start, by="test")
    session.commit()
    smtp_sink.handler.refuse["lead5@example.com"] = "550 5.1.1 No such user"
    transport = SmtpTransport(smtp_sink.url, timeout=5)
    try:
        run_engine(session, engine_settings, transport, start)
        sends = {s.rcpt_to: s for s in session.scalars(select(Send))}
        later = start + timedelta(minutes=5)
        for email in ("lead0@example.com", "lead1@example.com"):  # two people open
            record_engagement(session, sends[email].id, "open", later, user_agent=BROWSER)
        record_engagement(session, sends["lead0@example.com"].id, "open", later, user_agent=BROWSER)  # again: still one
        record_engagement(session, sends["lead0@example.com"].id, "click", later, url="https://example.com/a", user_agent=BROWSER)
        record_engagement(session, sends["lead2@example.com"].id, "open", later, user_agent="Barracuda link scanner")  # a machine
        unsubscribe(session, sends["lead3@example.com"].id, later, how="one-click")
        session.commit()
        run_engine(session, engine_settings, transport, start + timedelta(days=2, minutes=1))  # the nudge
        late = make_lead(session, "late@example.com")
        enroll(session, sequence, late, now=start + timedelta(days=3), by="test")  # waits at the first step
        session.commit()
    finally:
        transport.close()

    welcome = [s for s in session.scalars(select(Send).where(Send.step_id == "welcome")) if s.state == SendState.SENT]
    by_variant = Counter(s.variant for s in welcome)
    login(client, marketer)
    counts = step_counts(client.get(f"/sequences/{sequence.id}/enrollments").get_data(as_text=True))
    opened = {s.variant for s in welcome if s.rcpt_to in ("lead0@example.com", "lead1@example.com")}
    expected_variants = {
        f"variant_{v}": (
            by_variant[v],
            sum(1 for s in welcome if s.variant == v and s.rcpt_to in ("lead0@example.com", "lead1@example.com")),
            sum(1 for s in welcome if s.variant == v and s.rcpt_to == "lead0@example.com"),
        )
        for v in ("a", "b")
    }
    assert opened  # the scenario exercised at least one variant
    assert counts["welcome"] == {"waiting": 1, "sent": 5, "opened": 2, "clicked": 1, "bounced": 1, "unsubscribed": 1, **expected_variants}
    assert counts["pause"] == {"waiting": 0, "sent": 0, "opened": 0, "clicked": 0, "bounced": 0, "unsubscribed": 0}
    assert counts["nudge"] == {"waiting": 0, "sent": 4, "opened": 0, "clicked": 0, "bounced": 0, "unsubscribed": 0}
    assert len(smtp_sink.received) == 9  # 5 welcomes + 4 nudges reached the server


def test_the_list_pages_filters_by_state_and_costs_the_same_queries_for_many_rows(client, session, connection, marketer):
    sequence = make_sequence(session)
    for n in range(3):
        enroll(session, sequence, make_lead(session, f"lead{n:02d}@example.com"), now=utcnow(), by="test")
    session.commit()
    login(client, marketer)
    url = f"/sequences/{sequence.id}/enrollments"
    statements: list[str] = []

    def counted(*_args: object) -> None:
        statements.append("x")

    event.listen(connection, "before_cursor_execute", counted)
    try:
        client.get(url)
        few = len(statements)
        for n in range(3, 60):
            enroll(session, sequence, make_lead(session, f"lead{n:02d}@example.com"), now=utcnow(), by="test")
        session.commit()
        statements.clear()
        page = client.get(url).get_data(as_text=True)
        assert len(statements) == few  # grouped counts and one page query: nothing per row
    finally:
        event.remove(connection, "before_cursor_execute", counted)
    assert "Page 1 of 2" in page and page.count(f'href="/sequences/{sequence.id}/enrollments/') == 50
    assert "lead59@example.com" in page and "lead00@example.com" not in page  # newest first
    second = client.get(url, query_string={"page": 2}).get_data(as_text=True)
    assert "lead00@example.com" in second and second.count(f'href="/sequences/{sequence.id}/enrollments/') == 10
    assert "No enrollments in this state" in client.get(url, query_string={"state": "completed"}).get_data(as_text=True)
    active = client.get(url, query_string={"state": "active"}).get_data(as_text=True)
    assert 'value="active" selected>Active (60)' in active


def _planned(page: str) -> list[tuple[str, str, datetime]]:
    rows = re.findall(r'<tr data-step="([^"]+)" data-kind="(\w+)" data-at="([^"]+)">', page.split('id="planned"')[1])
    return [(step, kind, datetime.fromisoformat(at)) for step, kind, at in rows]


def test_the_timeline_plans_each_remaining_step_inside_the_window_in_the_lead_s_timezone(
    client, session, marketer, engine_settings
):
    sequence = make_sequence(session)  # welcome → 2 business days → nudge, Tue–Thu 09:00–11:00
    lead = make_lead(session, "ny@example.com", first_name="Ny", timezone="America/New_York", country="US")
    new_york = ZoneInfo("America/New_York")
    enrollment = enroll(session, sequence, lead, now=utcnow(), by="test")
    session.commit()
    login(client, marketer)
    url = f"/sequences/{sequence.id}/enrollments/{enrollment.id}"

    page = client.get(url).get_data(as_text=True)
    assert '<dd id="lead-timezone">America/New_York</dd>' in page and "No email sent yet." in page
    planned = _planned(page)
    assert [(step, kind) for step, kind, _at in planned] == [("welcome", "email"), ("pause", "wait"), ("nudge", "email")]
    for step, _kind, at in planned:
        if step != "pause":
            local = at.astimezone(new_york)
            assert local.isoweekday() in (2, 3, 4) and 9 <= local.hour < 11, (step, local)
    assert planned[0][2] >= utcnow() - timedelta(minutes=1)
    cal = calendar_for(lead, "UTC")
    assert planned[1][2] == add_delay(planned[0][2], Delay(2, DelayUnit.BUSINESS_DAYS), cal)
    assert planned[2][2] == next_opening(planned[1][2], parse_definition(DEFINITION).window, cal)
    local_text = planned[0][2].astimezone(new_york).strftime("%a %Y-%m-%d %H:%M %Z")
    assert local_text in page and planned[0][2].strftime("%Y-%m-%d %H:%M UTC") in page

    # The engine sends the welcome at the planned time: the ledger row shows, the plan goes on from it.
    run_engine(session, engine_settings, OutboxTransport(session), planned[0][2])
    page = client.get(url).get_data(as_text=True)
    assert '<tr data-step="welcome" data-state="sent">' in page
    after = _planned(page)
    assert [step for step, _kind, _at in after] == ["pause", "nudge"]
    assert after[1][2] == planned[2][2]  # sent when planned: the plan holds
    local = after[1][2].astimezone(new_york)
    assert local.isoweekday() in (2, 3, 4) and 9 <= local.hour < 11


def test_a_lead_without_a_timezone_is_planned_in_the_sequence_s_fallback(client, session, marketer):
    sequence = make_sequence(session, {**DEFINITION, "timezone": "Asia/Tokyo"}, name="Tokyo")
    lead = make_lead(session, "nozone@example.com")
    enrollment = enroll(session, sequence, lead, now=utcnow(), by="test")
    session.commit()
    login(client, marketer)
    page = client.get(f"/sequences/{sequence.id}/enrollments/{enrollment.id}").get_data(as_text=True)
    assert '<dd id="lead-timezone">Asia/Tokyo</dd>' in page
    welcome_at = _planned(page)[0][2].astimezone(ZoneInfo("Asia/Tokyo"))
    assert welcome_at.isoweekday() in (2, 3, 4) and 9 <= welcome_at.hour < 11
    assert client.get(f"/sequences/{sequence.id}/enrollments/{enrollment.id + 1000}").status_code == 404


def test_an_ended_enrollment_plans_nothing(client, session, marketer, engine_settings):
    sequence = make_sequence(session, {"steps": [{"id": "bye", "type": "action", "action": "exit"}]}, name="Exit")
    lead = make_lead(session, "gone@example.com")
    enrollment = enroll(session, sequence, lead, now=utcnow(), by="test")
    session.commit()
    run_engine(session, engine_settings, OutboxTransport(session), utcnow())
    login(client, marketer)
    page = client.get(f"/sequences/{sequence.id}/enrollments/{enrollment.id}").get_data(as_text=True)
    assert "Nothing planned: the enrollment has ended." in page and "Exited at step" in page
