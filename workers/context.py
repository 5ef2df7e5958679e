"""The worker process's settings and session factory, set up once by the entry point.

RQ calls plain functions; they find here what the worker process was started with.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from nurture.config import Settings
from nurture.db.engine import make_engine, make_sessionmaker

_settings: Settings | None = None
_sessionmaker: sessionmaker[Session] | None = None


def configure(settings: Settings, session_factory: sessionmaker[Session] | None = None) -> None:
    global _settings, _sessionmaker
    _settings = settings
    _sessionmaker = session_factory or make_sessionmaker(make_engine(settings.database_url))


def settings() -> Settings:
    if _settings is None:
        configure(Settings.from_env())
    assert _settings is not None
    return _settings


@contextmanager
def job_session() -> Iterator[Session]:
    """One session per job: committed by the service, closed (rolled back if not) here."""
    settings()
    assert _sessionmaker is not None
    session = _sessionmaker()
    try:
        yield session
    finally:
        session.close()
