"""Engines and session factories for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


BUSY_SECONDS = 15.0


def _configure_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, foreign keys on, and real transactions.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the
    SQLAlchemy-documented recipe takes BEGIN over so savepoints work. Transactions
    begin IMMEDIATE: a deferred one that reads, then writes after another process
    committed, fails at once with "database is locked" (no busy wait can save it),
    while IMMEDIATE waits its turn for the single writer lock.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=0")  # BEGIN waits in begin_immediate, with a finer poll
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.connection.dbapi_connection.execute("BEGIN")  # a WAL reader: never waits for the writer, nor blocks it
        else:
            begin_immediate(conn.connection.dbapi_connection)


READ_ONLY = "nurture_read_only"


def begin_reading(session: Session) -> None:
    """Begin the session's next transaction as one that only reads.

    On SQLite every transaction otherwise begins IMMEDIATE, holding the single writer lock from
    its first read: a send batch loading its leads held up the other workers' per-message claims.
    A write inside it may fail with "database is locked": only reads belong here. PostgreSQL
    ignores the option.
    """
    if not session.in_transaction():  # already in one: its reads go on there
        session.connection(execution_options={READ_ONLY: True})


def begin_immediate(dbapi_connection: Any) -> None:
    """BEGIN IMMEDIATE on a SQLite DBAPI connection, waiting for the writer lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10… ms between tries: between two busy
    writers that is most of the time. Polling every 0.2 ms keeps short transactions
    short; inside the transaction the lock is ours. Most tries find the lock free: the first costs
    one statement (a send batch's ledger begins one a message).
    """
    cursor = dbapi_connection.cursor()
    deadline = None  # set at the first busy answer: a free lock costs one statement and nothing more
    try:
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
                now = time.monotonic()
                deadline = deadline or now + BUSY_SECONDS
                if now > deadline:
                    raise
            time.sleep(0.0002)
    finally:
        cursor.close()


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
