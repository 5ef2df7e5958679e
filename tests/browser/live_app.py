"""The app under test, running: served over HTTP with its own database, real Redis and a real SMTP server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import Lead, Role
from nurture.users.accounts import create_user
from nurture.users.tokens import create_token
from nurture.web.app import create_app
from tests.browser.live_server import serve
from tests.databases import migrated_database
from tests.jobs import work_off
from tests.smtp_server import SmtpSink, free_port
from workers import context
from workers.connection import redis_connection
from workers.dispatch import dispatch_due


@dataclass
class Person:
    email: str
    password: str
    token: str


@dataclass
class LiveApp:
    url: str
    backend: str
    engine: Engine
    smtp: SmtpSink
    app: Flask
    people: dict[Role, Person] = field(default_factory=dict)
    signed_in: dict[Role, Any] = field(default_factory=dict)  # a browser's cookies after logging in, per role

    def person(self, role: Role) -> Person:
        """The one user of ``role`` that the tests share (creating a user hashes a password: slow on purpose)."""
        if role not in self.people:
            self.people[role] = self.account(role)
        return self.people[role]

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def account(self, role: Role) -> Person:
        """A new user of ``role`` (a unique email: tests share the database), with a password and an API token."""
        email = f"{role.value}-{secrets.token_hex(4)}@example.com"
        with self.session() as session:
            user, password = create_user(session, email, role, password="correct horse battery")
            token = create_token(session, user)
            session.commit()
        return Person(email, password, token)

    def work_off_jobs(self) -> None:
        """Run the queued jobs (an import, a bulk enrollment) here and now, as ``nurture worker --burst`` would."""
        work_off(self.app.extensions["nurture.settings"], self.app.extensions["nurture.sessionmaker"])

    def tick(self) -> None:
        """One scheduler tick (claim the due enrollments, queue their batches), then a worker sends the batches."""
        settings = self.app.extensions["nurture.settings"]
        context.configure(settings, self.app.extensions["nurture.sessionmaker"])
        dispatch_due(settings, redis_connection(settings))
        self.work_off_jobs()

    def lead(self, email: str, **fields: Any) -> Lead:
        with self.session() as session:
            lead = create_lead(session, validate_lead_input({"email": email, **fields}), reason="browser test")
            session.commit()
            return lead


@contextmanager
def running_app(backend: str, directory: Path, redis_url: str) -> Iterator[LiveApp]:
    # The browser tests commit for real: a database of their own keeps the rolled-back tests' one empty.
    redis.Redis.from_url(redis_url).flushdb()
    port = free_port()
    with migrated_database(backend, directory) as (url, engine), SmtpSink() as smtp:
        settings = Settings(
            database_url=url,
            redis_url=redis_url,
            smtp_url=smtp.url,
            secret_key="browser-test-secret-key",
            base_url=f"http://127.0.0.1:{port}",
            instance_path=directory / "instance",
        )
        app = create_app(settings)
        try:
            with serve(app, port) as served:
                yield LiveApp(served, backend, engine, smtp, app)
        finally:
            app.extensions["nurture.sessionmaker"].kw["bind"].dispose()  # before the schema is dropped
