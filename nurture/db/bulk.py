"""Statements over a whole batch of rows that stay cheap on both databases.

``column IN (…)`` with one placeholder per value is what SQLAlchemy renders, and
psycopg parses a statement with more than 50 parameters again on every execution
(its query cache stops there): for a batch of 250 ids that was ~8% of a send
worker's time. On PostgreSQL the values go as one array parameter instead.

Writing many rows is the same story: an executemany is one statement a row at
the server (a send batch's timeline events and enrollments were 7,500 of them for
3,000 messages), and a multi-row VALUES is one long text psycopg parses every
time. On PostgreSQL rows go as one array a column, through ``unnest``.

Those arrays go as text, in PostgreSQL's own array syntax (``pg_array``), cast
by the statement: psycopg's list dumper, in Python, cost ~10 µs per element
(a send worker's batch writes ~35 elements a message: ~10% of its CPU).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, JSON, Column, ColumnElement, Table, any_, bindparam, cast, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _element(value: Any) -> str:
    """One value as an element of PostgreSQL's array text (always quoted but NULL and numbers)."""
    kind = type(value)
    if kind is str:
        return _quoted(value)
    if kind is int:
        return str(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, datetime | date | time):
        return _quoted(value.isoformat())
    if isinstance(value, int):  # IntEnum and the like: their number
        return str(int(value))
    if isinstance(value, float | Decimal | str | UUID):  # str: StrEnum and the like
        return _quoted(str(value))
    raise TypeError(f"no array text for a {kind.__name__} value")


def pg_array(values: Iterable[Any]) -> str:
    """``values`` as PostgreSQL's array input (``{1,"a b",NULL}``), for a ``%s::type[]`` parameter."""
    return "{" + ",".join(map(_element, values)) + "}"


def _column_array(column: ColumnElement[Any], values: Iterable[Any], dialect: Any) -> str:
    """``pg_array`` of ``values``, each converted as ``column`` converts it (JSON: its text)."""
    convert = json.dumps if isinstance(column.type, JSON) else column.type.bind_processor(dialect)
    return pg_array(map(convert, values) if convert else values)


def one_of(session: Session, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN values``: one array parameter on PostgreSQL (``= ANY``), expanded elsewhere."""
    values = list(values)
    if _dialect(session) == "postgresql":
        text = _column_array(column, values, session.get_bind().dialect)
        # Untyped, so the parameter itself is the array (CAST of an unknown): a varchar parameter would
        # be cast again for every row a sequential scan reads.
        return column == any_(cast(bindparam(None, text, type_=NullType()), ARRAY(column.type)))
    return column.in_(values)


def insert_ignoring_duplicates(session: Session, table: Table) -> Any:
    """An INSERT that skips rows a unique key already holds (a concurrent writer got there first)."""
    name = _dialect(session)
    if name == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    if name == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)


def unnest(session: Session, columns: Mapping[str, Column[Any]], rows: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """PostgreSQL's ``unnest(%s::type[], …) AS v(name, …)`` over ``rows`` (keyed by ``columns``' names), and
    its parameters: one array a column (``pg_array``), each value converted as its column converts it."""
    dialect = session.get_bind().dialect
    arrays, params = [], []
    for name, column in columns.items():
        params.append(_column_array(column, [row[name] for row in rows], dialect))
        arrays.append(f"%s::{column.type.compile(dialect=dialect)}[]")
    return f"unnest({', '.join(arrays)}) AS v({', '.join(columns)})", params


def insert_many(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    skip_duplicates: bool = False,
    returning: Sequence[Column[Any]] = (),
) -> list[tuple[Any, ...]]:
    """Rows with the same keys, in one statement on PostgreSQL (``unnest``), an executemany elsewhere.
    ``skip_duplicates``: rows a unique key already holds are left out (``insert_ignoring_duplicates``);
    ``returning``: those columns of the rows inserted, converted as the columns convert them."""
    if not rows:
        return []
    if _dialect(session) != "postgresql":
        statement = insert_ignoring_duplicates(session, table) if skip_duplicates else insert(table)
        if not returning:
            session.execute(statement, rows)
            return []
        return [tuple(row) for row in session.execute(statement.returning(*returning), rows)]
    columns = {name: table.c[name] for name in rows[0]}
    source, params = unnest(session, columns, rows)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {source}"
    if skip_duplicates:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(column.name for column in returning)}"
    result = session.connection().exec_driver_sql(sql, tuple(params))
    if not returning:
        return []
    dialect = session.get_bind().dialect
    converters = [column.type.result_processor(dialect, None) for column in returning]
    return [
        tuple(convert(value) if convert else value for convert, value in zip(converters, row, strict=True))
        for row in result
    ]
