"""The ledger's own connection: statements committed together (on PostgreSQL as one statement in
autocommit), the last one's row count, commits that wait for the disk only when asked to, and the
pooled connection handed back as it was lent."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from campaigns.ledger_connection import DURABLE, SQLITE_AUTOCHECKPOINT, RawConnection, as_one_statement
from nurture.db.engine import make_engine
from tests.databases import postgresql_backend

PROBE = "ledger_connection_probe"


@pytest.fixture
def probe(database) -> Iterator[RawConnection]:
    with database.engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {PROBE} (id INTEGER PRIMARY KEY, state VARCHAR(20))"))
        conn.execute(text(f"INSERT INTO {PROBE} (id, state) VALUES (1, 'pending'), (2, 'pending')"))
    ledger = RawConnection(database.engine)
    try:
        yield ledger
    finally:
        ledger.close()
        with database.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {PROBE}"))


def _states(database) -> dict[int, str]:
    with database.engine.connect() as conn:
        return dict(conn.execute(text(f"SELECT id, state FROM {PROBE}")).all())


SET = "UPDATE " + PROBE + " SET state = {p} WHERE state = {p} AND id = {p}"


def test_the_outcome_and_the_claim_commit_together_with_the_claims_row_count(database, probe):
    assert probe.run([(SET, ("sent", "pending", 1)), (SET, ("sending", "pending", 2))]) == 1
    assert _states(database) == {1: "sent", 2: "sending"}


def test_a_claim_refused_still_commits_the_outcome_before_it(database, probe):
    assert probe.run([(SET, ("sent", "pending", 1)), (SET, ("sending", "deferred", 2))]) == 0
    assert _states(database) == {1: "sent", 2: "pending"}


def test_two_statements_on_one_row_run_in_order(database, probe):
    assert probe.run([(SET, ("deferred", "pending", 1)), (SET, ("sending", "deferred", 1))]) == 1
    assert _states(database) == {1: "sending", 2: "pending"}


def test_a_commit_that_need_not_wait_for_the_disk(database, probe):
    assert probe.run([(SET, ("sent", "pending", 2))], durable=False) == 1
    assert _states(database) == {1: "pending", 2: "sent"}


def test_the_pooled_connection_goes_back_as_it_was_lent(database, probe):
    probe.run([(SET, ("sent", "pending", 1))])
    probe.run([(SET, ("sent", "sent", 1))], durable=False)  # on PostgreSQL with synchronous_commit off
    probe.close()
    lent = database.engine.raw_connection()
    try:
        if database.backend == "sqlite":  # autocommit by design (nurture/db/engine.py), no transaction left open
            assert lent.driver_connection.in_transaction is False
            assert lent.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone() == (SQLITE_AUTOCHECKPOINT,)
            return
        assert lent.driver_connection.autocommit is False
        cursor = lent.cursor()
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)  # the ledger's "off" stays with the ledger
        cursor.execute(f"UPDATE {PROBE} SET state = 'x' WHERE id = 2")
        lent.rollback()  # not autocommitted: the rollback undoes it
    finally:
        lent.close()
    assert _states(database) == {1: "sent", 2: "pending"}


def test_as_one_statement_puts_the_earlier_updates_in_ctes():
    sql, params = as_one_statement([(SET, ("a", "b", 1)), (SET, ("c", "d", 2))])
    assert sql == (
        f"WITH o0 AS (UPDATE {PROBE} SET state = {{p}} WHERE state = {{p}} AND id = {{p}}) "
        f"UPDATE {PROBE} SET state = {{p}} WHERE state = {{p}} AND id = {{p}}"
    )
    assert params == ["a", "b", 1, "c", "d", 2]


def _prepared_here(conn) -> list[str]:  # noqa: ANN001
    return [row[0] for row in conn.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'nurture_%'")]


# Each row records the synchronous_commit in force when it was written: what its commit waits for.
RECORD_SYNC = "UPDATE " + PROBE + " SET state = current_setting('synchronous_commit') WHERE id = {p}"


@pytest.mark.parametrize("database", postgresql_backend(), indirect=True)
def test_on_postgresql_only_durable_commits_wait_for_the_disk(database, probe):
    """The per-message commits do not wait (the reservation before them did); a durable run does, and a
    statement beginning with DURABLE does too, in its one round trip."""
    probe.run([(RECORD_SYNC, (1,))], durable=False)
    assert _states(database) == {1: "off", 2: "pending"}
    probe.run([(RECORD_SYNC, (1,)), (RECORD_SYNC, (2,))])
    assert _states(database) == {1: "on", 2: "on"}
    probe.run([(RECORD_SYNC, (1,)), (RECORD_SYNC, (2,))], durable=False)
    assert _states(database) == {1: "off", 2: "off"}
    returned = probe.returning_ids(
        DURABLE + f"UPDATE {PROBE} SET state = current_setting('synchronous_commit') FROM durable WHERE id = {{p}} RETURNING {PROBE}.id",
        (2,),
    )
    assert returned == [2]
    assert _states(database) == {1: "off", 2: "on"}


@pytest.mark.parametrize("database", postgresql_backend(), indirect=True)
def test_on_postgresql_the_claim_is_prepared_once_for_the_pooled_connection_and_reused_by_the_next_batch(database, probe):
    probe.run([(SET, ("sent", "pending", 1)), (SET, ("sending", "pending", 2))], durable=False)
    probe.close()
    second = RawConnection(database.engine)  # the next batch, lent the same pooled connection
    try:
        assert second.run([(SET, ("x", "sent", 1)), (SET, ("y", "sending", 2))], durable=False) == 1
        prepared = _prepared_here(second._dbapi.driver_connection)
    finally:
        second.close()
    merged = (
        f"WITH o0 AS (UPDATE {PROBE} SET state = $1 WHERE state = $2 AND id = $3) "
        f"UPDATE {PROBE} SET state = $4 WHERE state = $5 AND id = $6"
    )
    assert prepared.count(merged) == 1  # by the first batch, found by the second
    assert _states(database) == {1: "x", 2: "y"}


def _checkpointed_states(db: Path, copy: Path) -> dict[int, str]:
    """What the database file itself holds, without its WAL: the writes checkpointed so far."""
    shutil.copyfile(db, copy)
    with sqlite3.connect(copy) as conn:
        return dict(conn.execute(f"SELECT id, state FROM {PROBE}").fetchall())


def test_on_sqlite_the_wal_is_checkpointed_when_the_batch_ends_not_by_a_per_message_commit(tmp_path):
    db = tmp_path / "ledger.db"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {PROBE} (id INTEGER PRIMARY KEY, state VARCHAR(20))"))
        conn.execute(text(f"INSERT INTO {PROBE} (id, state) VALUES (1, 'pending'), (2, 'pending')"))
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ledger = RawConnection(engine)
    for n in range(SQLITE_AUTOCHECKPOINT + 100):  # more commits than SQLite's own checkpoint threshold (in pages)
        ledger.run([("UPDATE " + PROBE + " SET state = {p} WHERE id = {p}", (f"s{n}", 1))])
    assert _checkpointed_states(db, tmp_path / "copy.db") == {1: "pending", 2: "pending"}
    ledger.close()
    assert _checkpointed_states(db, tmp_path / "copy.db") == {1: f"s{SQLITE_AUTOCHECKPOINT + 99}", 2: "pending"}
    engine.dispose()
