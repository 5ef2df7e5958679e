"""The ingest consumer SIGKILLed mid-batch, before and after its commit, in a real scheduler process:
every tracked click is written exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaigns.sequences import activate, create_sequence
from campaigns.tracked_events import STREAM, TrackedEvent
from nurture.db.engine import make_sessionmaker
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent
from tests.campaigns.processes import engine_env, start, stop, wait_until
from tests.campaigns.sent_messages import sent_message
from tests.databases import backends, migrated_database
from workers.scheduler import LOCK_KEY

CLICKS = 40


@pytest.fixture(params=backends())
def fresh_db(request, tmp_path):
    with migrated_database(request.param, tmp_path) as (url, engine):
        yield url, engine


def _send(engine) -> int:
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with make_sessionmaker(engine)() as session:
        sequence = create_sequence(session, {"name": "S", "definition": {"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]}})
        activate(session, sequence, an_hour_ago)
        lead = create_lead(session, validate_lead_input({"email": "reader@example.com"}), reason="seed")
        send = sent_message(session, sequence, lead, an_hour_ago)
        session.commit()
        return send.id


@pytest.mark.slow
def test_a_killed_consumer_loses_nothing_and_writes_nothing_twice(fresh_db, redis_client, redis_url, tmp_path: Path):
    url, engine = fresh_db
    send_id = _send(engine)
    for _ in range(CLICKS):
        redis_client.xadd(STREAM, TrackedEvent(send_id, "click", datetime.now(UTC), "https://example.com/a", "Mozilla/5.0 (X11) Firefox/128").to_fields())
    env = engine_env(url, redis_url, "smtp://127.0.0.1:9", tmp_path / "instance", NURTURE_INGEST_CLAIM_IDLE_SECONDS="0.5")

    def written() -> int:
        with make_sessionmaker(engine)() as session:
            return session.scalar(select(func.count()).select_from(EmailEvent)) or 0

    for fault, rows_after in (("ingest.before_commit:1", 0), ("ingest.after_commit:1", CLICKS)):
        killed = start("scheduler", {**env, "NURTURE_FAULT": fault}, tmp_path / "scheduler.log")
        try:
            killed.wait(60)
        finally:
            stop(killed)
        assert killed.returncode == -9, (tmp_path / "scheduler.log").read_text()
        assert written() == rows_after and redis_client.xlen(STREAM) == CLICKS  # nothing acknowledged
        redis_client.delete(LOCK_KEY)  # the dead scheduler's lease, expired (30 s) without waiting for it

    survivor = start("scheduler", env, tmp_path / "scheduler.log")
    try:
        assert wait_until(lambda: redis_client.xlen(STREAM) == 0, 30, 0.1), (tmp_path / "scheduler.log").read_text()
    finally:
        stop(survivor)
    assert written() == CLICKS
    with make_sessionmaker(engine)() as session:
        assert len(set(session.scalars(select(EmailEvent.stream_id)))) == CLICKS
