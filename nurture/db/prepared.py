"""One statement run very often on PostgreSQL, straight through libpq's prepared statements.

The send loop runs its ledger statement once a message (ledger.py). Through a
psycopg cursor the claim cost a worker 120-130 µs of CPU: query conversion,
parameters dumped one by one in Python, a generator-driven wait. Through libpq's
own PQexecPrepared (psycopg's ``pgconn``) it costs 75-85 µs, and the claim's round
trip is that much shorter (3 x 1,000 claims against an idle server, each way).
So the statement is prepared once per connection, under a name of ours, and its
parameters go as text; psycopg keeps the connection and knows nothing of this.

Only the types the ledger writes are taken (text, integers, aware datetimes,
NULL); anything else is a TypeError, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import errors
from psycopg.pq import ExecStatus

MAX_PREPARED = 64  # statements of ours a connection keeps; past that, each runs unprepared
_UNDEFINED_STATEMENT = "26000"  # a reset (DISCARD ALL) dropped it: prepared again
PLACEHOLDER = "{p}"


def numbered(sql: str) -> str:
    """``{p}`` placeholders as libpq's ``$1``, ``$2`` …"""
    parts = sql.split(PLACEHOLDER)
    return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1))


def as_text(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text form."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("a naive datetime has no place in a timestamptz")
        return value.isoformat().encode()
    raise TypeError(f"no text form for a {type(value).__name__} parameter")


class PreparedStatements:
    """Statements of ours prepared on one psycopg connection (autocommit: each run commits).

    ``names`` outlives this object as long as the DBAPI connection does (the pool's ``info``
    of that connection), so a batch reuses what an earlier batch prepared on it."""

    def __init__(self, connection: Any, names: dict[str, bytes]):
        self.pgconn = connection.pgconn
        self.encoding = connection.info.encoding
        self.names = names

    def run(self, sql: str, params: Sequence[Any]) -> int:
        """Run ``sql`` (with ``{p}`` placeholders) and return its row count."""
        return int(self._result(sql, params).command_tuples or 0)

    def first_column(self, sql: str, params: Sequence[Any]) -> list[int]:
        """Run ``sql`` (with ``{p}`` placeholders) and return its rows' first column, as integers."""
        result = self._result(sql, params)
        return [int(result.get_value(row, 0)) for row in range(result.ntuples)]

    def _result(self, sql: str, params: Sequence[Any]) -> Any:
        values = [as_text(value) for value in params]
        name = self.names.get(sql)
        if name is None and len(self.names) < MAX_PREPARED:
            name = self._prepare(sql)
        if name is None:
            return self._checked(self.pgconn.exec_params(numbered(sql).encode(), values))
        result = self.pgconn.exec_prepared(name, values)
        if result.status == ExecStatus.FATAL_ERROR and result.error_field(0x43) == _UNDEFINED_STATEMENT.encode():  # 'C': SQLSTATE
            result = self.pgconn.exec_prepared(self._prepare(sql), values)
        return self._checked(result)

    def _prepare(self, sql: str) -> bytes:
        name = self.names.get(sql) or f"nurture_{len(self.names)}".encode()
        self._checked(self.pgconn.prepare(name, numbered(sql).encode()))
        self.names[sql] = name
        return name

    def _checked(self, result: Any) -> Any:
        if result is None:
            raise errors.OperationalError(self.pgconn.error_message.decode(self.encoding, "replace"))
        if result.status not in (ExecStatus.COMMAND_OK, ExecStatus.TUPLES_OK):
            raise errors.error_from_result(result, encoding=self.encoding)
        return result
