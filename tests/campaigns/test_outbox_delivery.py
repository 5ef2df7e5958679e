"""The embedded default (``nurture up``): a batch sent into the outbox by a worker's own session.

The other engine tests run inside one rolled-back connection; here the session is bound to the
engine, as in a worker, so the ledger writes on a connection of its own, as it does in production.
On SQLite an outbox write left in the session's open transaction held the writer lock the next claim
waited for: the batch failed after 15 s with "database is locked" and its rows went unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from campaigns.claiming import claim_due
from campaigns.enrollments import enroll
from campaigns.execution import run_claim
from campaigns.models import Send, SendState
from campaigns.sequences import activate, create_sequence
from nurture.db.engine import make_sessionmaker
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.mail.outbox import OutboxTransport
from nurture.models import OutboxMessage
from tests.databases import migrated_database

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday


def test_a_batch_of_three_lands_in_the_outbox_once_each(database, tmp_path, settings):
    with migrated_database(database.backend, tmp_path) as (_url, engine):
        with make_sessionmaker(engine)() as session:
            sequence = create_sequence(session, {"name": "Welcome", "definition": {"steps": [
                {"id": "hello", "type": "email", "subject": "Hi {{ lead.first_name }}", "html": "<p>Hello</p>"}]}})  # fmt: skip
            activate(session, sequence, NOW)
            for n in range(3):
                lead = create_lead(session, validate_lead_input({"email": f"o{n}@example.com", "first_name": f"O{n}"}), reason="t")
                enroll(session, sequence, lead, now=NOW, by="test")
            session.commit()

            claim = claim_due(session, NOW, 100, 300)
            results = run_claim(session, settings, claim, OutboxTransport(session), clock=lambda: NOW)

            assert results["completed"] == 3
            assert sorted(session.scalars(select(OutboxMessage.subject))) == ["Hi O0", "Hi O1", "Hi O2"]
            assert set(session.scalars(select(Send.state))) == {SendState.SENT}
            stored = set(session.scalars(select(Send.message_id)))
            assert stored == set(session.scalars(select(OutboxMessage.message_id)))
            assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
        engine.dispose()
