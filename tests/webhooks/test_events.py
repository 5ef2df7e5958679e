"""Each domain event writes its outbox row where it happens: capture, import, MQL, handoff, unsubscribe, bounce."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

from rq import SimpleWorker
from sqlalchemy import select

from campaigns.enrollments import enroll
from nurture.handoff.evaluate import evaluate_changed_leads
from nurture.leads.importer import import_leads
from nurture.models import EmailEvent, Role, WebhookDelivery
from workers import context
from workers.connection import redis_connection
from workers.queues import all_queues
from workers.webhook_jobs import dispatch_webhooks

ALL = ["lead.created", "lead.mql", "lead.sales_ready", "lead.unsubscribed", "lead.bounced"]


def _events(session) -> list[tuple[str, str]]:
    rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    return [(r.event_type, json.loads(r.body)["data"]["email"]) for r in rows]


def test_imported_leads_are_created_events_in_one_bulk_write(session, make_endpoint, tmp_path):
    make_endpoint(["lead.created"])
    csv = "email,first_name\na@example.com,A\nb@example.com,B\nnot-an-email,C\n"
    import_leads(session, io.BytesIO(csv.encode()), name="x.csv", rejects_path=tmp_path / "rejects.csv")
    assert _events(session) == [("lead.created", "a@example.com"), ("lead.created", "b@example.com")]
    import_leads(session, io.BytesIO(csv.encode()), name="x.csv", rejects_path=tmp_path / "rejects2.csv")
    assert len(_events(session)) == 2  # updates are not creations


def test_mql_then_sales_ready_with_the_new_owner_in_the_payload(session, settings, make_endpoint, make_lead, make_account, clock):
    rep = make_account(Role.REP, "rep@example.com")
    make_endpoint(ALL)
    lead = make_lead("warm@example.com")
    for clicks, at in ((6, clock()), (5, clock() + timedelta(minutes=1))):
        for n in range(clicks):
            session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{n}", occurred_at=at - timedelta(seconds=n)))
        session.commit()
        evaluate_changed_leads(session, settings, at + timedelta(seconds=1))
    assert _events(session) == [("lead.created", "warm@example.com"), ("lead.mql", "warm@example.com"),
                                ("lead.sales_ready", "warm@example.com")]  # fmt: skip
    ready = json.loads(session.scalars(select(WebhookDelivery.body).order_by(WebhookDelivery.id.desc())).first())
    assert ready["data"]["lifecycle_stage"] == "sql" and ready["data"]["owner"]["email"] == rep.user.email
    evaluate_changed_leads(session, settings, clock() + timedelta(minutes=5))
    assert len(_events(session)) == 3  # promoted once, announced once


SEQUENCE = {"steps": [{"id": "one", "type": "email", "subject": "One", "html": "<p>Hi</p>"}]}


def test_unsubscribe_and_bounce_are_announced_once(
    client, session, clock, make_endpoint, make_lead, make_sequence, tick, smtp_transport, smtp_sink
):
    make_endpoint(["lead.unsubscribed", "lead.bounced"])
    sequence = make_sequence(SEQUENCE)
    for email in ("reader@example.com", "gone@example.com"):
        enroll(session, sequence, make_lead(email), now=clock(), by="test")
    session.commit()
    smtp_sink.handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    tick(smtp_transport)
    assert _events(session) == [("lead.bounced", "gone@example.com")]

    url = smtp_sink.received[0].message["List-Unsubscribe"].strip("<>")
    path = re.sub(r"^http://nurture\.test", "", url)
    for _ in range(2):
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert _events(session) == [("lead.bounced", "gone@example.com"), ("lead.unsubscribed", "reader@example.com")]


def test_the_scheduler_task_and_a_worker_deliver_through_redis(settings, session_factory, session, make_endpoint, make_lead, receiver):
    make_endpoint(["lead.created"])
    make_lead("queued@example.com")
    context.configure(settings, session_factory)
    connection = redis_connection(settings)
    assert dispatch_webhooks(settings, connection) == 1
    assert dispatch_webhooks(settings, connection) == 0  # claimed: not dispatched twice
    SimpleWorker(all_queues(connection), connection=connection).work(burst=True)
    assert [json.loads(r.body)["data"]["email"] for r in receiver.received] == ["queued@example.com"]
