"""Test databases: SQLite always, PostgreSQL when reachable (required in CI)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from nurture.db.engine import make_engine, normalize_url
from nurture.db.migrate import alembic_config

POSTGRES_URL = os.environ.get("NURTURE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(normalize_url(POSTGRES_URL).replace("+psycopg", ""), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def backends() -> list[str]:
    if postgres_available():
        return ["sqlite", "postgresql"]
    if os.environ.get("NURTURE_TEST_REQUIRE_POSTGRES") == "1":
        raise RuntimeError(f"PostgreSQL required but not reachable at {POSTGRES_URL}")
    return ["sqlite"]


def postgresql_backend() -> list[str]:
    """``["postgresql"]`` when it is reachable (always in CI), for a test of PostgreSQL-only SQL or indexes."""
    return [b for b in backends() if b == "postgresql"]


def migrate(engine: Engine) -> None:
    config = alembic_config(str(engine.url))
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()


@contextmanager
def migrated_database(backend: str, directory: Path, *, keep: bool = False) -> Iterator[tuple[str, Engine]]:
    """A freshly migrated database: a SQLite file, or a PostgreSQL schema of its own (dropped unless ``keep``)."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'test.db'}"
        engine = make_engine(url)
        migrate(engine)
        try:
            yield url, engine
        finally:
            engine.dispose()
        return
    schema = f"nurture_test_{secrets.token_hex(4)}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{normalize_url(POSTGRES_URL)}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        migrate(engine)
        yield url, engine
    finally:
        engine.dispose()
        if not keep:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
