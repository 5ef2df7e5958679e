"""Concurrent evaluations of the same hot lead promote it once: one task, one owner, one email."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from nurture.config import Settings
from nurture.db.engine import make_sessionmaker
from nurture.handoff.promote import promote
from nurture.handoff.thresholds import Thresholds
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent, Lead, OutboxMessage, Role, Task
from nurture.scoring.lead_score import score_lead
from nurture.scoring.rules import ScoringRules
from nurture.users.accounts import create_user
from tests.databases import backends, migrated_database

NOW = datetime(2026, 11, 18, 10, tzinfo=UTC)


@pytest.mark.parametrize("backend", backends())
def test_eight_concurrent_promotions_hand_off_once(backend, tmp_path):
    with migrated_database(backend, tmp_path) as (url, engine):
        factory = make_sessionmaker(engine)
        with factory() as session:
            create_user(session, "rep@example.com", Role.REP)
            lead = create_lead(session, validate_lead_input({"email": "race@example.com"}), reason="test")
            for n in range(12):
                session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{n}", occurred_at=NOW - timedelta(minutes=n), recorded_at=NOW - timedelta(minutes=n)))
            session.commit()
            lead_id = lead.id
        settings = Settings(database_url=url, secret_key="x", instance_path=tmp_path)
        barrier = threading.Barrier(8)
        results: list[object] = []

        def evaluate() -> None:
            with factory() as session:
                lead = session.get(Lead, lead_id)
                score = score_lead(session, lead, ScoringRules(), NOW)
                session.commit()  # all eight have read the same "not yet promoted" lead…
                barrier.wait(20)  # …and now race to promote it
                results.append(promote(session, settings, lead, score, NOW, Thresholds()))
                session.commit()

        threads = [threading.Thread(target=evaluate) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sum(r is not None for r in results) == 1
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(Task)) == 1
            assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
            assert session.get(Lead, lead_id).lifecycle_stage == "sql"
