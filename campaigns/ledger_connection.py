"""Where the per-message ledger statements run: a DBAPI connection held for the whole batch.

Per message, a Session transaction costs a pool checkout (a ping on PostgreSQL),
ORM bookkeeping and statement-cache lookups: ~0.9 ms of CPU for the claim and the
outcome on SQLite, against ~0.06 ms for the same SQL on a bare DBAPI cursor. So the
batch keeps one pooled DBAPI connection and runs plain SQL on it.

On PostgreSQL each statement is a network round trip, and psycopg opens a
transaction with a BEGIN of its own: BEGIN, the previous outcome, the claim and
COMMIT were four. The ledger's statements are all UPDATEs of ``sends`` (and, as
a batch ends, the DELETE of its reservations), so they are sent as one statement (the earlier ones as data-modifying CTEs, which
PostgreSQL runs exactly once, atomically with the last) in autocommit mode: one
round trip a message. Its commit does not wait for the disk when the rows were
reserved durably beforehand (ledger.py); a durable commit asks for the wait in a
transaction of its own.

A session bound to a Connection (the tests' rolled-back outer transaction)
cannot lend a second connection: the same SQL then runs on the session's own
connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nurture.db.engine import begin_immediate
from nurture.db.prepared import PreparedStatements

# PostgreSQL: a statement beginning with this (and joining ``durable`` in its FROM, so that it runs)
# commits durably on the ledger's connection, in its one round trip: SET LOCAL (set_config(…, true))
# lasts until the statement's own commit in autocommit mode, which then waits for the disk.
DURABLE = "WITH durable AS (SELECT set_config('synchronous_commit', 'on', true)) "
SQLITE_AUTOCHECKPOINT = 1000  # pages: SQLite's default, restored before the connection goes back to the pool
Statement = tuple[str, Sequence[Any]]  # SQL with {p} for the DBAPI's placeholder, and its parameters


class LedgerConnection(Protocol):
    def run(self, statements: list[Statement], *, durable: bool = True) -> int:
        """Run the statements in one transaction and commit it; the last statement's row count.
        ``durable=False``: the commit need not wait for the disk (PostgreSQL)."""
        ...

    def run_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        """One statement for many rows (executemany), in one transaction, committed."""
        ...

    def close(self) -> None: ...


def as_one_statement(statements: list[Statement]) -> Statement:
    """UPDATEs (or DELETEs) of distinct rows as one statement (still with ``{p}``): the earlier ones as
    CTEs, the row count the last one's."""
    assert all(sql.startswith(("UPDATE ", "DELETE ")) for sql, _ in statements), "only UPDATEs and DELETEs merge"
    ctes = ", ".join(f"o{n} AS ({sql})" for n, (sql, _) in enumerate(statements[:-1]))
    sql = statements[-1][0] if not ctes else f"WITH {ctes} {statements[-1][0]}"
    return sql, [value for _, values in statements for value in values]


def _distinct_rows(statements: list[Statement]) -> bool:
    """Each statement a different row (its id the last parameter): CTEs must not update a row twice."""
    ids = [params[-1] for _, params in statements]
    return len(set(ids)) == len(ids)


class RawConnection:
    """A pooled DBAPI connection of the batch's own; the caller keeps the session's transactions
    closed while it writes here (on SQLite the two would wait for the same writer lock).

    On PostgreSQL it runs with ``synchronous_commit`` off, reset before it goes back to the pool:
    the per-message statements commit without waiting for the disk, and a durable commit asks for
    it (``SET LOCAL``) in a transaction of its own."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.placeholder = "?" if self.sqlite else "%s"
        self._dbapi: Any = None  # checked out at the first statement, kept until close()
        self._cursor: Any = None
        self._formatted: dict[str, str] = {}
        self._merged: dict[tuple[str, ...], str] = {}  # statement texts → their one statement (as_one_statement)
        self._prepared: PreparedStatements | None = None  # PostgreSQL

    def _checkout(self) -> Any:
        if self._dbapi is None:
            self._dbapi = self.engine.raw_connection()
            self._cursor = self._dbapi.cursor()
            if self.sqlite:
                # The WAL is copied back into the database at the end of the batch (close), not by
                # whichever per-message commit crosses the threshold (a pause of milliseconds, fsync included).
                self._cursor.execute("PRAGMA wal_autocheckpoint=0")
            else:
                self._dbapi.driver_connection.autocommit = True  # restored before it goes back to the pool
                self._cursor.execute("SET synchronous_commit TO off")  # reset before it goes back too
                names = self._dbapi.info.setdefault("nurture_prepared", {})  # cleared with a new DBAPI connection
                self._prepared = PreparedStatements(self._dbapi.driver_connection, names)
        return self._cursor

    def _one_statement(self, statements: list[Statement]) -> Statement:
        """``as_one_statement``, its text built once per shape of the transaction."""
        key = tuple(sql for sql, _ in statements)
        sql = self._merged.get(key)
        if sql is None:
            sql = self._merged[key] = as_one_statement(statements)[0]
        return sql, [value for _, values in statements for value in values]

    def _sql(self, sql: str) -> str:
        """``sql`` with the DBAPI's placeholder, formatted once per statement text."""
        formatted = self._formatted.get(sql)
        if formatted is None:
            formatted = self._formatted[sql] = sql.format(p=self.placeholder)
        return formatted

    def _sqlite_run(self, statements: list[Statement], many: bool = False) -> int:
        """One IMMEDIATE transaction (autocommit mode, see engine.py: BEGIN is ours to send)."""
        cursor = self._cursor
        begin_immediate(self._dbapi)
        try:
            for sql, params in statements:
                (cursor.executemany if many else cursor.execute)(self._sql(sql), params)
            rowcount = int(cursor.rowcount)
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")
        return rowcount

    def run(self, statements: list[Statement], *, durable: bool = True) -> int:
        cursor = self._checkout()
        if self.sqlite:
            return self._sqlite_run(statements)
        if not durable and _distinct_rows(statements):
            assert self._prepared is not None
            return self._prepared.run(*self._one_statement(statements))  # autocommit: committed on return
        with self._dbapi.driver_connection.transaction():
            if durable:
                cursor.execute("SET LOCAL synchronous_commit TO on")
            for sql, params in statements:
                cursor.execute(self._sql(sql), params)
            return int(cursor.rowcount)

    def returning_ids(self, sql: str, params: Sequence[Any]) -> list[int]:
        """One PostgreSQL statement (``{p}`` placeholders) returning ids, committed on return (durably when
        it begins with DURABLE)."""
        self._checkout()
        assert self._prepared is not None, "PostgreSQL only"
        return self._prepared.first_column(sql, params)

    def run_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        cursor = self._checkout()
        if self.sqlite:
            self._sqlite_run([(sql, rows)], many=True)
            return
        with self._dbapi.driver_connection.transaction():
            cursor.executemany(self._sql(sql), rows)

    def close(self) -> None:
        if self._dbapi is None:
            return
        try:
            if self.sqlite:
                self._cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT}")
                self._cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for readers or writers
            else:
                self._cursor.execute("RESET synchronous_commit")
                self._dbapi.driver_connection.autocommit = False
            self._cursor.close()
        except Exception:
            self._dbapi.invalidate()  # not as it was lent: never back to the pool
            raise
        finally:
            self._dbapi.close()  # back to the pool (rolled back if anything was left open), or discarded
            self._dbapi = self._cursor = None


class SessionConnection:
    """The same statements through the session's connection and commits."""

    def __init__(self, session: Session):
        self.session = session
        self.placeholder = "?" if session.get_bind().dialect.name == "sqlite" else "%s"

    def run(self, statements: list[Statement], *, durable: bool = True) -> int:
        rowcount = 0
        for sql, params in statements:
            result = self.session.connection().exec_driver_sql(sql.format(p=self.placeholder), tuple(params))
            rowcount = int(result.rowcount)
        self.session.commit()
        return rowcount

    def run_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        self.session.connection().exec_driver_sql(sql.format(p=self.placeholder), [tuple(row) for row in rows])
        self.session.commit()

    def close(self) -> None:
        pass


def ledger_connection(session: Session) -> LedgerConnection:
    bind = session.get_bind()
    return RawConnection(bind) if isinstance(bind, Engine) else SessionConnection(session)
