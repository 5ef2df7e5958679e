"""Where the per-message ledger statements run: a DBAPI connection held for the whole batch.

Per message, a Session transaction costs a pool checkout (a ping on PostgreSQL),
ORM bookkeeping and statement-cache lookups: ~0.9 ms of CPU for the claim and the
outcome on SQLite, against ~0.06 ms for the same SQL on a bare DBAPI cursor. So the
batch keeps one pooled DBAPI connection and runs plain SQL on it. A session bound
to a Connection (the tests' rolled-back outer transaction) cannot lend a second
connection: the same SQL then runs on the session's own connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nurture.db.engine import begin_immediate


class LedgerConnection(Protocol):
    placeholder: str

    def execute(self, sql: str, params: Sequence[Any]) -> int: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


class RawConnection:
    """A pooled DBAPI connection of the batch's own; the caller keeps the session's transactions
    closed while it writes here (on SQLite the two would wait for the same writer lock)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.placeholder = "?" if self.sqlite else "%s"
        self._dbapi: Any = None  # checked out at the first statement, kept until close()
        self._cursor: Any = None
        self._open = False

    def execute(self, sql: str, params: Sequence[Any]) -> int:
        if self._dbapi is None:
            self._dbapi = self.engine.raw_connection()
            self._cursor = self._dbapi.cursor()
        if self.sqlite and not self._open:
            begin_immediate(self._dbapi)  # autocommit mode (see engine.py): BEGIN is ours to send
        self._open = True
        self._cursor.execute(sql, params)
        return int(self._cursor.rowcount)

    def commit(self) -> None:
        if self._open:
            self._dbapi.commit() if not self.sqlite else self._cursor.execute("COMMIT")
        self._open = False

    def close(self) -> None:
        if self._dbapi is not None:
            self._cursor.close()
            self._dbapi.close()  # back to the pool, rolled back if anything was left open
            self._dbapi = self._cursor = None


class SessionConnection:
    """The same statements through the session's connection and commits."""

    def __init__(self, session: Session):
        self.session = session
        self.placeholder = "?" if session.get_bind().dialect.name == "sqlite" else "%s"

    def execute(self, sql: str, params: Sequence[Any]) -> int:
        return int(self.session.connection().exec_driver_sql(sql, tuple(params)).rowcount)

    def commit(self) -> None:
        self.session.commit()

    def close(self) -> None:
        pass


def ledger_connection(session: Session) -> LedgerConnection:
    bind = session.get_bind()
    return RawConnection(bind) if isinstance(bind, Engine) else SessionConnection(session)
