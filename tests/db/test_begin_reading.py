"""A transaction begun with ``begin_reading`` never takes SQLite's writer lock: another connection
writes and commits meanwhile without waiting (an IMMEDIATE transaction would hold it up 15 s)."""

from __future__ import annotations

import time

from sqlalchemy import text

from nurture.db.engine import begin_reading, make_engine, make_sessionmaker
from tests.databases import migrated_database


def test_a_reading_session_does_not_hold_up_a_writer(database, tmp_path):
    with migrated_database(database.backend, tmp_path) as (url, engine):
        other = make_engine(url)
        try:
            with make_sessionmaker(engine)() as reader:
                begin_reading(reader)
                assert reader.scalar(text("SELECT count(*) FROM leads")) == 0  # the read transaction is open

                started = time.monotonic()
                with make_sessionmaker(other)() as writer:
                    writer.execute(
                        text(
                            "INSERT INTO suppressions (email, reason, detail, created_at)"
                            " VALUES ('w@example.com', 'manual', '', CURRENT_TIMESTAMP)"
                        )
                    )
                    writer.commit()
                assert time.monotonic() - started < 2  # not held up by the reader

                reader.commit()
                assert reader.scalar(text("SELECT count(*) FROM suppressions")) == 1  # a new transaction sees it
        finally:
            other.dispose()
            engine.dispose()


def test_a_session_already_in_a_transaction_reads_on_in_it(session):
    session.execute(text("SELECT 1"))
    begin_reading(session)  # no new transaction, no warning: the reads go on where they are
    assert session.in_transaction()
