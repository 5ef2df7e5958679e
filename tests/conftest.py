"""Shared fixtures: real databases (SQLite and PostgreSQL), real Redis, the app and its client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from nurture.config import Settings
from nurture.models import Role, User
from nurture.users.accounts import create_user
from nurture.users.tokens import create_token
from nurture.web.app import create_app
from tests.databases import backends, migrated_database
from tests.redis_server import test_redis


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine


@pytest.fixture(scope="session", params=backends())
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    directory = tmp_path_factory.mktemp(request.param)
    with migrated_database(request.param, directory) as (url, engine):
        yield Database(request.param, url, engine)


@pytest.fixture
def connection(database: Database) -> Iterator[Any]:
    """One connection per test inside a transaction that is rolled back at the end."""
    conn = database.engine.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def session_factory(connection: Any) -> sessionmaker[Session]:
    # Commits inside the code under test release SAVEPOINTs; nothing outlives the test.
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with test_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def settings(database: Database, redis_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database.url,
        redis_url=redis_url,
        secret_key="test-secret-key-not-for-production",
        base_url="http://nurture.test",
        instance_path=tmp_path / "instance",
    )


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session], redis_client: redis.Redis) -> Flask:
    return create_app(settings, session_factory=session_factory, test_config={"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Account:
    user: User
    password: str
    token: str


@pytest.fixture
def make_account(session: Session) -> Any:
    """Create a user of a role, with a password and an API token."""

    def make(role: Role = Role.ADMIN, email: str | None = None) -> Account:
        email = email or f"{role.value}-{id(object())}@example.com"
        user, password = create_user(session, email, role, password="correct horse battery")
        token = create_token(session, user)
        session.commit()
        return Account(user, password, token)

    return make


@pytest.fixture
def admin(make_account: Any) -> Account:
    return make_account(Role.ADMIN, "admin@example.com")


def bearer(account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.token}"}


def login(client: FlaskClient, account: Account) -> None:
    """Log in through the real login form (CSRF token included)."""
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": account.user.email, "password": account.password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def ingest(session: Session, redis_client: redis.Redis) -> Any:
    """Write what the tracking endpoints appended to the Redis stream, as the scheduler's ingest task does."""
    from workers.ingest import EventIngest

    consumer = EventIngest("test-consumer")
    return lambda: consumer.drain(session, redis_client)


@pytest.fixture
def smtp_sink() -> Iterator[Any]:
    from tests.smtp_server import SmtpSink

    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def imap_server() -> Iterator[Any]:
    """A real dovecot for the whole run (installed if missing, or a clear failure)."""
    from tests.imap_server import dovecot_server

    with dovecot_server() as server:
        yield server


@pytest.fixture
def imap_folder(imap_server: Any) -> str:
    """A fresh folder per test, so UIDs and contents never leak between tests."""
    name = f"T{uuid.uuid4().hex[:12]}"
    with imap_server.client() as client:
        client.create_folder(name)
    return name
