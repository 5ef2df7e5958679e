"""Statements run through libpq's prepared statements (nurture/db/prepared.py), on a real PostgreSQL:
prepared once under a name of ours, every parameter type in its text form, psycopg's own errors,
and a connection that lost its prepared statements (DISCARD ALL) or holds too many still answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from psycopg import errors

from nurture.db import prepared
from nurture.db.engine import normalize_url
from nurture.db.prepared import PreparedStatements, as_text, numbered
from tests.databases import POSTGRES_URL, postgresql_backend

INSERT = "INSERT INTO probe (id, label, amount, at, flag) VALUES ({p}, {p}, {p}, {p}, {p})"


@pytest.fixture(params=postgresql_backend())
def conn(request) -> Iterator[psycopg.Connection]:
    with psycopg.connect(normalize_url(POSTGRES_URL).replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(
            "CREATE TEMP TABLE probe (id int PRIMARY KEY, label text, amount bigint, at timestamptz, flag boolean)"
        )
        yield connection


def _ours(conn: psycopg.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'nurture_%'")]


def test_numbered_placeholders():
    assert numbered("UPDATE t SET a = {p} WHERE b = {p} AND c = {p}") == "UPDATE t SET a = $1 WHERE b = $2 AND c = $3"
    assert numbered("SELECT 1") == "SELECT 1"


def test_every_value_round_trips_and_the_statement_is_prepared_once(conn):
    statements = PreparedStatements(conn, {})
    at = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
    assert statements.run(INSERT, (1, "O'Brien \"quoted\" été, {braces}", 2**40, at, True)) == 1
    assert statements.run(INSERT, (2, None, 0, None, False)) == 1
    rows = conn.execute("SELECT id, label, amount, at, flag FROM probe ORDER BY id").fetchall()
    assert rows == [(1, "O'Brien \"quoted\" été, {braces}", 2**40, at, True), (2, None, 0, None, False)]
    assert rows[0][3].astimezone(UTC) == datetime(2026, 3, 1, 14, 30, 15, 123456, tzinfo=UTC)
    assert _ours(conn) == ["INSERT INTO probe (id, label, amount, at, flag) VALUES ($1, $2, $3, $4, $5)"]


def test_the_row_count_is_the_statements(conn):
    statements = PreparedStatements(conn, {})
    for n in range(3):
        statements.run(INSERT, (n, "x", n, None, None))
    assert statements.run("UPDATE probe SET label = {p} WHERE amount >= {p}", ("y", 1)) == 2
    assert statements.run("UPDATE probe SET label = {p} WHERE amount > {p}", ("z", 99)) == 0


def test_values_with_no_sure_text_form_are_refused():
    with pytest.raises(TypeError, match="naive"):
        as_text(datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="float"):
        as_text(1.5)


def test_an_error_is_psycopgs_own_and_the_connection_goes_on(conn):
    statements = PreparedStatements(conn, {})
    statements.run(INSERT, (1, "a", 1, None, None))
    with pytest.raises(errors.UniqueViolation):
        statements.run(INSERT, (1, "again", 1, None, None))
    assert statements.run(INSERT, (2, "b", 2, None, None)) == 1
    assert conn.execute("SELECT count(*) FROM probe").fetchone() == (2,)


def test_statements_dropped_by_a_reset_are_prepared_again(conn):
    names: dict[str, bytes] = {}
    PreparedStatements(conn, names).run(INSERT, (1, "a", 1, None, None))
    conn.execute("DEALLOCATE ALL")  # what DISCARD ALL does to them (a pooler's reset)
    assert _ours(conn) == []
    assert PreparedStatements(conn, names).run(INSERT, (2, "b", 2, None, None)) == 1
    assert len(_ours(conn)) == 1


def test_past_the_limit_statements_run_unprepared(conn, monkeypatch):
    monkeypatch.setattr(prepared, "MAX_PREPARED", 2)
    statements = PreparedStatements(conn, {})
    for n in range(4):  # four different texts
        assert statements.run(INSERT + " " * n, (n, "x", n, None, None)) == 1
    assert len(_ours(conn)) == 2
    assert conn.execute("SELECT count(*) FROM probe").fetchone() == (4,)
