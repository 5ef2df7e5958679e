"""PostgreSQL's reservations (campaigns/ledger.py): a batch notes its next rows in one durable commit, then
claims each message in a commit that does not wait for the disk. A worker killed mid-batch leaves what it
committed; a reservation from before the database server's last start, or from another WAL timeline,
makes its rows still pending "unknown". Sessions here are bound to an engine, as in a worker, so the
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
from campaigns.ledger import RESERVE_AHEAD, LedgerWriter, doubtful_send_ids
from campaigns.models import Send, SendState
from campaigns.sequences import activate, create_sequence
from nurture.config import Settings
from nurture.db.engine import make_sessionmaker
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.mail.suppression import suppress
from tests.campaigns.processes import engine_env, finished, start, stop, wait_until
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


def _reservations(session) -> list[list[int]]:
    rows = [list(ids) for (ids,) in session.execute(text("SELECT send_ids FROM send_reservations ORDER BY id"))]
    session.commit()
    return rows


def test_a_batch_reserves_its_rows_ahead_in_durable_commits_and_claims_each_before_its_content(
    session, clock, make_lead, make_sequence, engine_settings, smtp_sink, smtp_transport, monkeypatch
):
    count = RESERVE_AHEAD + 8
    _enroll(session, clock, make_lead, make_sequence, count)
    waited: list[bool] = []  # each ledger commit: whether it waited for the disk
    real_commit = LedgerWriter._commit

    def commit(self, statements, durable=True):
        waited.append(durable)
        return real_commit(self, statements, durable=durable)

    monkeypatch.setattr(LedgerWriter, "_commit", commit)
    at_claim: list[tuple[SendState, int]] = []  # the message's row just after its claim, and the reservations then

    class Watching:
        def send(self, envelope, before_data=None, then=None):
            def claim_then_look():
                claimed = before_data()
                row = {row.message_id: row for row in _rows(session)}[envelope.message_id]
                covered = [ids for ids in _reservations(session) if row.id in ids]
                at_claim.append((row.state, len(covered)))
                return claimed

            return smtp_transport.send(envelope, claim_then_look, then)

        def close(self):
            pass

    run_claim(session, engine_settings, claim_due(session, clock(), 100, 300), Watching(), clock=clock)

    assert at_claim == [(SendState.SENDING, 1)] * count  # claimed before its content, under a reservation
    assert waited == [False] * (count + 1)  # no claim waited for the disk (the reservations did), nor the last outcome
    assert _reservations(session) == []  # deleted when the batch ended
    rows = _rows(session)
    assert {row.state for row in rows} == {SendState.SENT} and all(row.attempts == 1 for row in rows)
    assert sorted(r.message["Message-ID"] for r in smtp_sink.received) == sorted(row.message_id for row in rows)


def test_reservations_cover_reserve_ahead_rows_each(session, clock, make_lead, make_sequence, engine_settings, smtp_transport, monkeypatch):
    count = RESERVE_AHEAD + 8
    _enroll(session, clock, make_lead, make_sequence, count)
    reserved: list[int] = []
    real_reserve = LedgerWriter.reserve
    monkeypatch.setattr(LedgerWriter, "reserve", lambda self, ids: reserved.append(len(ids)) or real_reserve(self, ids))
    run_claim(session, engine_settings, claim_due(session, clock(), 100, 300), smtp_transport, clock=clock)
    assert reserved == [RESERVE_AHEAD, count - RESERVE_AHEAD]


def test_a_row_reserved_but_not_claimed_stays_pending_and_free(
    session, clock, make_lead, make_sequence, engine_settings, smtp_sink, smtp_transport
):
    """Two emails for one lead in a batch, one a day allowed: the second was reserved with the first
    and waits for the cap; it stays pending, no reservation left behind."""
    lead = make_lead("reader@example.com")
    for name in ("News", "Updates"):
        enroll(session, make_sequence(ONE_EMAIL, name=name), lead, now=clock(), by="test")
    session.commit()
    settings = engine_settings.with_(frequency_cap_per_day=1)
    run_claim(session, settings, claim_due(session, clock(), 100, 300), smtp_transport, clock=clock)

    rows = _rows(session)
    assert len(smtp_sink.received) == 1
    assert [row.state for row in rows] == [SendState.SENT, SendState.PENDING]
    assert (rows[1].lease_until, rows[1].attempts) == (None, 0)
    assert _reservations(session) == []


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
    states = {row.rcpt_to: row.state for row in _rows(session)}
    assert states["lead1@example.com"] == SendState.SKIPPED


@pytest.mark.slow
@pytest.mark.parametrize(
    "server",
    ["unchanged", "restarted", "replaced by a standby"],
)
def test_a_worker_killed_mid_batch_leaves_its_rows_to_be_sent_once_unless_the_server_may_have_lost_claims(
    fresh_db, redis_url, smtp_sink, tmp_path: Path, server: str
):
    """Killed before its second claim: the first message (claimed and sent, its outcome lost) is unknown.
    The other rows were never claimed: with the database server as it was, they are sent once. Had it
    restarted, or a standby taken over, since their reservation (simulated on the reservation's row), a
    claim of theirs might have been lost: unknown, never sent."""
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
            rows = conn.execute(text("SELECT id, state FROM sends ORDER BY id")).all()
            assert [state for _, state in rows] == ["sending"] + ["pending"] * (count - 1)
            assert [sorted(ids) for (ids,) in conn.execute(text("SELECT send_ids FROM send_reservations"))] == [[i for i, _ in rows]]
            if server == "restarted":
                conn.execute(text("UPDATE send_reservations SET reserved_at = pg_postmaster_start_time() - interval '1 second'"))
            elif server == "replaced by a standby":
                conn.execute(text("UPDATE send_reservations SET timeline = timeline - 1"))
        assert len(smtp_sink.received) == 1
        worker = start("worker", env, tmp_path / "w1.log")
        assert wait_until(lambda: finished(engine), 60), (tmp_path / "w1.log").read_text()
    finally:
        for process in (scheduler, worker):
            stop(process)

    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT id, state FROM sends")).all())
        message_ids = dict(conn.execute(text("SELECT message_id, id FROM sends WHERE message_id IS NOT NULL")).all())
        left = conn.execute(text("SELECT count(*) FROM send_reservations")).scalar()
    at_server = [r.message["Message-ID"] for r in smtp_sink.received]
    assert len(at_server) == len(set(at_server))  # nothing twice
    assert message_ids[at_server[0]] == rows[0][0] and states[rows[0][0]] == "unknown"
    others = sorted(states[i] for i, _ in rows[1:])
    if server == "unchanged":
        assert len(at_server) == count and others == ["sent"] * (count - 1)
    else:
        assert len(at_server) == 1 and others == ["unknown"] * (count - 1)
    if server == "unchanged":
        assert left == 0  # a reservation whose batch died goes once its lease is over
    else:  # a doubtful one, once nothing it covers waits any more: at the next batch
        with make_sessionmaker(engine)() as session:
            assert doubtful_send_ids(session, datetime.now(UTC)) == set()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM send_reservations")).scalar() == 0
