"""Arrays sent as PostgreSQL's array text (nurture/db/bulk.py ``pg_array``): every value PostgreSQL reads
back is the value given, whatever quotes, backslashes, braces or commas it holds; ``one_of`` finds
the same rows on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import select

from nurture.db.bulk import one_of, pg_array
from nurture.db.engine import normalize_url
from nurture.models import Lead
from tests.databases import POSTGRES_URL, postgresql_backend

AWKWARD_TEXT = ['a"b', "back\\slash", "{braces}", "x,y", "NULL", "", " spaced ", "naïve ✓", "new\nline", "\\\"", None]


@pytest.fixture(params=postgresql_backend())
def cursor(request) -> Iterator[psycopg.Cursor]:
    with psycopg.connect(normalize_url(POSTGRES_URL).replace("+psycopg", ""), autocommit=True) as connection:
        yield connection.cursor()


def _read(cursor: psycopg.Cursor, values: list[object], sql_type: str) -> list[object]:
    cursor.execute(f"SELECT %s::{sql_type}[]", [pg_array(values)])
    row = cursor.fetchone()
    assert row is not None
    return row[0]


def test_text_comes_back_as_given(cursor):
    assert _read(cursor, AWKWARD_TEXT, "text") == AWKWARD_TEXT


def test_numbers_booleans_and_nulls_come_back_as_given(cursor):
    assert _read(cursor, [1, -7, 2**40, None], "bigint") == [1, -7, 2**40, None]
    assert _read(cursor, [True, False, None], "boolean") == [True, False, None]
    assert _read(cursor, [Decimal("12.50"), 0.25, None], "numeric") == [Decimal("12.50"), Decimal("0.25"), None]


def test_times_come_back_as_the_same_instants(cursor):
    instants = [datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC), datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))]
    assert _read(cursor, [*instants, None], "timestamptz") == [*instants, None]
    assert _read(cursor, [date(2026, 2, 28)], "date") == [date(2026, 2, 28)]
    assert _read(cursor, [time(23, 59, 1)], "time") == [time(23, 59, 1)]


def test_an_empty_list_is_an_empty_array(cursor):
    assert _read(cursor, [], "int") == []


def test_a_value_with_no_array_text_is_refused():
    with pytest.raises(TypeError, match="no array text for a dict"):
        pg_array([{"a": 1}])


def test_one_of_finds_the_rows_whatever_their_text_holds(session):
    emails = ['quote"d@example.com', "back\\slash@example.com", "comma,brace{}@example.com", "plain@example.com"]
    session.add_all(Lead(email=email, custom_fields={}) for email in emails)
    session.commit()
    found = session.scalars(select(Lead.email).where(one_of(session, Lead.email, emails[:3]))).all()
    assert sorted(found) == sorted(emails[:3])
    ids = session.scalars(select(Lead.id).where(Lead.email.in_(emails))).all()
    assert len(session.scalars(select(Lead.id).where(one_of(session, Lead.id, ids))).all()) == 4
    assert session.scalars(select(Lead.id).where(one_of(session, Lead.id, []))).all() == []
