"""Lead events reach a real HTTP receiver, signed; failures retry on a schedule; nobody listening costs nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import event, func, select

from nurture.models import DeliveryState, WebhookDelivery
from nurture.webhooks.deliveries import BACKOFF_SECONDS, claim_deliveries, deliver_claimed, redeliver
from nurture.webhooks.emit import emit
from nurture.webhooks.signing import HEADER, verify


def _run(session, clock, timeout=5.0):
    """One worker pass at the clock's time: claim what is due and post it."""
    return deliver_claimed(session, claim_deliveries(session, clock()), clock=clock, timeout=timeout)


def _deliveries(session):
    return session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id), execution_options={"populate_existing": True}).all()


def test_a_new_lead_is_posted_signed_and_the_receiver_verifies_the_signature(session, clock, receiver, make_endpoint, make_lead):
    endpoint = make_endpoint(["lead.created"])
    lead = make_lead("new@example.com", first_name="Ada")

    assert _run(session, clock)["delivered"] == 1
    [got] = receiver.received
    assert got.path == "/hooks/nurture" and got.headers["Content-Type"] == "application/json"
    assert verify(endpoint.secret, got.headers[HEADER], got.body, time.time())
    assert not verify(endpoint.secret, got.headers[HEADER], got.body.replace(b"Ada", b"Eve"), time.time())
    assert not verify("whsec_other", got.headers[HEADER], got.body, time.time())
    assert not verify(endpoint.secret, got.headers[HEADER], got.body, time.time() + 3600)  # too old: a replay
    payload = json.loads(got.body)
    assert set(payload) == {"id", "type", "created_at", "data"}
    assert payload["type"] == "lead.created" and payload["id"].startswith("evt_")
    assert (payload["data"]["id"], payload["data"]["email"], payload["data"]["first_name"]) == (lead.id, "new@example.com", "Ada")
    [row] = _deliveries(session)
    assert got.headers["Nurture-Delivery"] == str(row.id) and got.headers["Nurture-Event-Id"] == payload["id"]
    assert (row.state, row.attempts, row.response_code, row.response_body) == (DeliveryState.DELIVERED, 1, 200, "ok")
    assert row.latency_ms is not None and row.delivered_at == clock()
    assert _run(session, clock)["delivered"] == 0  # delivered once, never again


def test_a_receiver_answering_500_then_200_gets_the_event_after_a_retry(session, clock, receiver, make_endpoint, make_lead):
    make_endpoint(["lead.created"])
    make_lead("retry@example.com")
    receiver.script.statuses = [500]
    receiver.script.response_body = b"<script>alert(1)</script> boom"

    assert _run(session, clock)["retrying"] == 1
    [row] = _deliveries(session)
    assert (row.state, row.attempts, row.response_code) == (DeliveryState.PENDING, 1, 500)
    assert row.next_attempt_at == clock() + timedelta(minutes=1) and row.last_error == "HTTP 500"
    assert row.response_body.startswith("<script>")  # stored as sent; the admin escapes it

    clock.advance(seconds=59)
    assert sum(_run(session, clock).values()) == 0  # not due yet
    clock.advance(seconds=2)
    assert _run(session, clock)["delivered"] == 1
    [row] = _deliveries(session)
    assert (row.state, row.attempts, row.response_code) == (DeliveryState.DELIVERED, 2, 200)
    bodies = [r.body for r in receiver.received]
    assert len(bodies) == 2 and bodies[0] == bodies[1]  # the same event, byte for byte
    assert [r.headers["Nurture-Attempt"] for r in receiver.received] == ["1", "2"]


def test_failures_back_off_1m_5m_30m_2h_12h_then_the_delivery_fails(session, clock, receiver, make_endpoint, make_lead):
    make_endpoint(["lead.created"])
    make_lead("down@example.com")
    receiver.script.statuses = [503] * 6
    start = clock()
    waits = []
    for _ in range(len(BACKOFF_SECONDS)):
        _run(session, clock)
        [row] = _deliveries(session)
        waits.append((row.next_attempt_at - clock()).total_seconds())
        clock.now = row.next_attempt_at
    assert waits == [60, 300, 1800, 7200, 43200]
    assert _run(session, clock)["failed"] == 1
    [row] = _deliveries(session)
    assert (row.state, row.attempts, row.next_attempt_at) == (DeliveryState.FAILED, 6, None)
    assert clock() - start == timedelta(seconds=sum(BACKOFF_SECONDS))
    clock.advance(days=30)
    assert sum(_run(session, clock).values()) == 0 and len(receiver.received) == 6

    again = redeliver(session, row, clock())  # the admin's button: a new delivery of the same event
    session.commit()
    assert _run(session, clock)["delivered"] == 1
    assert json.loads(receiver.received[-1].body)["id"] == row.event_id and again.id != row.id


def test_a_receiver_slower_than_the_deadline_is_a_timeout_and_retried(session, clock, receiver, make_endpoint, make_lead):
    make_endpoint(["lead.created"])
    make_lead("slow@example.com")
    receiver.script.delay = 1.0
    started = time.monotonic()
    assert _run(session, clock, timeout=0.3)["retrying"] == 1
    assert time.monotonic() - started < 0.9
    [row] = _deliveries(session)
    assert row.response_code is None and "timed out" in row.last_error and row.state == DeliveryState.PENDING


def test_a_refused_connection_is_retried(session, clock, make_endpoint, make_lead):
    make_endpoint(["lead.created"], url="http://127.0.0.1:9/nobody-listens")
    make_lead("refused@example.com")
    assert _run(session, clock)["retrying"] == 1
    [row] = _deliveries(session)
    assert row.response_code is None and row.last_error


def test_no_endpoint_means_no_rows_and_one_small_query_per_transaction(session, database, make_lead):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        lead = make_lead("alone@example.com")
        for _ in range(3):
            emit(session, "lead.created", lead)
        session.rollback()
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert sum("webhook_endpoints" in s for s in statements) == 2  # make_lead's transaction, then ours


def test_an_inactive_endpoint_receives_nothing(session, clock, receiver, make_endpoint, make_lead):
    make_endpoint(["lead.created"], active=False)
    on = make_endpoint(["lead.mql"])  # active, but not for this event
    make_lead("quiet@example.com")
    assert _deliveries(session) == []

    on.events = ["lead.created"]
    session.commit()
    make_lead("second@example.com")
    on.active = False  # switched off before the worker ran: the row waits, nothing is sent
    session.commit()
    assert sum(_run(session, clock).values()) == 0 and receiver.received == []
    on.active = True
    session.commit()
    assert _run(session, clock)["delivered"] == 1


def test_an_event_rolled_back_with_its_change_is_never_sent(session, make_endpoint, make_lead):
    from nurture.leads.capture import create_lead
    from nurture.leads.validation import validate_lead_input

    make_endpoint(["lead.created"])
    create_lead(session, validate_lead_input({"email": "ghost@example.com"}), reason="test")
    assert len(_deliveries(session)) == 1
    session.rollback()
    assert _deliveries(session) == []
