"""PostgreSQL's reservations (campaigns/ledger.py): a batch makes its next rows "sending" in one durable
commit, then hands each message over (a commit not waiting for the disk) before its content. A row
reserved but never handed over is sent again after its lease; one handed over, or reserved before the
database server last started, is "unknown". Sessions here are bound to an engine, as in a worker, so the
ledger writes on a connection of its own."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from campaigns.claiming import claim_due
from campaigns.enrollments import enroll
from campaigns.execution import run_claim
from campaigns.ledger import RESERVE_AHEAD, LedgerWriter
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from campaigns.sequences import activate, create_sequence
from nurture.config import Settings
from nurture.db.engine import make_sessionmaker
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.mail.suppression import suppress
from tests.campaigns.processes import engine_env, start, stop, wait_until
from tests.databases import migrated_database, postgresql_backend

pytestmark = pytest.mark.skipif(not postgresql_backend(), reason="PostgreSQL only: SQLite claims each row durably")

ONE_EMAIL = {"steps": [{"id": "hello", "type": "email", "subject": "Hello", "html": "<p>Hi</p>"}]}


@pytest.fixture
def fresh_db(tmp_path):
    with migrated_database("postgresql", tmp_path) as (url, engine):
        yield url, engine


@pytest.fixture
def session(fresh_db) -> Iterator:
    with make_sessionmaker(fresh_db[1])() as s:
        yield s


@pytest.fixture
def engine_settings(fresh_db, redis_url, tmp_path) -> Settings:
    return Settings(
        database_url=fresh_db[0], redis_url=redis_url, secret_key="test-secret-key-not-for-production",
        base_url="http://nurture.test", instance_path=tmp_path / "instance", sender_email="news@nurture.test",
        postal_address="Nurture Inc., 1 Test Street, Testville", frequency_cap_per_day=0,
    )  # fmt: skip


def _enroll(session, clock, make_lead, make_sequence, count: int, sequence=None) -> None:
    sequence = sequence or make_sequence(ONE_EMAIL)
    for n in range(count):
        enroll(session, sequence, make_lead(f"lead{n}@example.com"), now=clock(), by="test")
    session.commit()


def _rows(session) -> list[Send]:
    session.expire_all()
    rows = list(session.scalars(select(Send).order_by(Send.id)))
    session.commit()
    return rows


def test_a_batch_reserves_its_rows_ahead_in_durable_commits_and_hands_each_over_before_its_content(
    session, clock, make_lead, make_sequence, engine_settings, smtp_sink, smtp_transport, monkeypatch
):
    count = RESERVE_AHEAD + 8
    _enroll(session, clock, make_lead, make_sequence, count)
    reserved: list[int] = []
    real_reserve = LedgerWriter.reserve
    monkeypatch.setattr(LedgerWriter, "reserve", lambda self, headers: reserved.append(len(headers)) or real_reserve(self, headers))
    at_claim: list[tuple[SendState, bool, bool]] = []  # the message's row just after its claim, before its content
    others_handed: list[int] = []

    class Watching:
        def send(self, envelope, before_data=None, then=None):
            def claim_then_look():
                claimed = before_data()
                rows = {row.message_id: row for row in _rows(session)}
                row = rows[envelope.message_id]
                at_claim.append((row.state, row.reserved_at is not None, row.handed_at is not None))
                others_handed.append(sum(r.handed_at is not None for r in rows.values()))
                return claimed

            return smtp_transport.send(envelope, claim_then_look, then)

        def close(self):
            pass

    run_claim(session, engine_settings, claim_due(session, clock(), 100, 300), Watching(), clock=clock)

    assert reserved == [RESERVE_AHEAD, count - RESERVE_AHEAD]  # one durable commit per RESERVE_AHEAD messages
    assert at_claim == [(SendState.SENDING, True, True)] * count
    assert others_handed == list(range(1, count + 1))  # handed over one by one, each before its own content
    rows = _rows(session)
    assert {row.state for row in rows} == {SendState.SENT} and all(row.attempts == 1 for row in rows)
    assert sorted(r.message["Message-ID"] for r in smtp_sink.received) == sorted(row.message_id for row in rows)


def test_a_reservation_not_handed_over_is_undone_when_the_batch_ends(
    session, clock, make_lead, make_sequence, engine_settings, smtp_sink, smtp_transport
):
    """Two emails for one lead in a batch, one a day allowed: the second was reserved with the first
    and waits for the cap; it goes back to pending, with no lease, as if never reserved."""
    lead = make_lead("reader@example.com")
    for name in ("News", "Updates"):
        enroll(session, make_sequence(ONE_EMAIL, name=name), lead, now=clock(), by="test")
    session.commit()
    settings = engine_settings.with_(frequency_cap_per_day=1)
    run_claim(session, settings, claim_due(session, clock(), 100, 300), smtp_transport, clock=clock)

    rows = _rows(session)
    assert len(smtp_sink.received) == 1
    assert [row.state for row in rows] == [SendState.SENT, SendState.PENDING]
    waiting = rows[1]
    assert (waiting.lease_until, waiting.reserved_at, waiting.handed_at, waiting.attempts) == (None, None, None, 0)


def test_a_suppression_committed_after_the_reservation_still_stops_the_hand_over(
    session, clock, make_lead, make_sequence, engine_settings, smtp_sink, smtp_transport, monkeypatch
):
    _enroll(session, clock, make_lead, make_sequence, 3)
    real_claim = LedgerWriter.claim_and_commit

    def suppress_then_claim(self, send_id, topic=None):
        if self.session.get(Send, send_id).rcpt_to == "lead1@example.com":
            suppress(self.session, "lead1@example.com", "unsubscribed")
        self.session.commit()
        return real_claim(self, send_id, topic)

    monkeypatch.setattr(LedgerWriter, "claim_and_commit", suppress_then_claim)
    run_claim(session, engine_settings, claim_due(session, clock(), 100, 300), smtp_transport, clock=clock)

    assert sorted(r.rcpt_tos[0] for r in smtp_sink.received) == ["lead0@example.com", "lead2@example.com"]
    states = {row.rcpt_to: (row.state, row.handed_at is None) for row in _rows(session)}
    assert states["lead1@example.com"] == (SendState.SKIPPED, True)


def _finished(engine) -> bool:
    with make_sessionmaker(engine)() as session:
        return not session.scalar(select(Enrollment.id).where(Enrollment.state == EnrollmentState.ACTIVE).limit(1))


@pytest.mark.slow
def test_a_worker_killed_after_reserving_leaves_its_unhanded_rows_to_be_sent_once_after_the_lease(
    fresh_db, redis_url, smtp_sink, tmp_path: Path
):
    """Killed before its second claim: the first message (handed over and sent, its outcome lost) is
    unknown; the other reserved rows were never given to a server and are sent once when the lease
    expires, except one whose reservation is older than the database server's start (as after a
    crash of the server, which can lose hand-overs) and one reserved on another WAL timeline (as before
    a standby took over): unknown too, never resent."""
    url, engine = fresh_db
    count = 6
    with make_sessionmaker(engine)() as session:
        now = datetime.now(UTC)
        sequence = create_sequence(session, {"name": "Reserved", "definition": ONE_EMAIL})
        activate(session, sequence, now)
        for n in range(count):
            lead = create_lead(session, validate_lead_input({"email": f"lead{n}@example.com"}), reason="test")
            enroll(session, sequence, lead, now=now, by="test")
        session.commit()
    env = engine_env(url, redis_url, smtp_sink.url, tmp_path)
    scheduler = start("scheduler", env, tmp_path / "scheduler.log")
    worker = start("worker", {**env, "NURTURE_FAULT": "before_claim:2"}, tmp_path / "w0.log")
    try:
        assert wait_until(lambda: worker.poll() is not None, 30), "the fault never fired"
        assert worker.returncode == -signal.SIGKILL, (tmp_path / "w0.log").read_text()
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT id, state, handed_at IS NOT NULL, reserved_at IS NOT NULL FROM sends ORDER BY id")).all()
            assert [(state, handed, reserved) for _, state, handed, reserved in rows] == [("sending", True, True)] + [
                ("sending", False, True)
            ] * (count - 1)
            assert conn.execute(text("SELECT count(*) FROM sends WHERE reserved_timeline IS NOT NULL")).scalar() == count
            old = rows[-1][0]  # reserved, as far as this server knows, before it last started
            conn.execute(text("UPDATE sends SET reserved_at = pg_postmaster_start_time() - interval '1 second' WHERE id = :id"), {"id": old})
            promoted = rows[-2][0]  # reserved on another timeline: before a standby took over
            conn.execute(text("UPDATE sends SET reserved_timeline = reserved_timeline - 1 WHERE id = :id"), {"id": promoted})
        assert len(smtp_sink.received) == 1
        worker = start("worker", env, tmp_path / "w1.log")
        assert wait_until(lambda: _finished(engine), 60), (tmp_path / "w1.log").read_text()
    finally:
        for process in (scheduler, worker):
            stop(process)

    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT id, state FROM sends")).all())
        message_ids = dict(conn.execute(text("SELECT message_id, id FROM sends")).all())
    at_server = [r.message["Message-ID"] for r in smtp_sink.received]
    assert len(at_server) == len(set(at_server)) == count - 2  # each once; the two doubtful reservations never sent
    assert message_ids[at_server[0]] == rows[0][0]
    assert states[rows[0][0]] == states[old] == states[promoted] == "unknown"
    assert sorted(states[message_ids[m]] for m in at_server[1:]) == ["sent"] * (count - 3)
    assert len(states) == count
