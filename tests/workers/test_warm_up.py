"""A worker configures the ORM and compiles a send batch's reads before its first job, so that job
finds them in the engine's statement cache; a database not there yet does not stop the worker."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT

from campaigns import versions
from campaigns.claiming import claim_due
from campaigns.enrollments import enroll
from campaigns.sequences import activate, create_sequence
from nurture.config import Settings
from nurture.db.engine import make_engine, make_sessionmaker
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from tests.databases import backends, migrated_database
from workers import context
from workers.jobs import run_send_batch
from workers.worker import warm_up

ONE_EMAIL = {"steps": [{"id": "hello", "type": "email", "subject": "Hello", "html": "<p>Hi</p>"}]}
DRAFT = {"steps": [{"id": "draft", "type": "email", "subject": "Draft", "html": "<p>Not yet</p>"}]}
# The reads every batch begins with (execution._claimed_enrollments and _read_batch).
BATCH_READS = ("FROM enrollments", "FROM leads LEFT OUTER JOIN companies", "FROM suppressions", "FROM sequences")


@pytest.fixture(autouse=True)
def _context_restored():
    """These tests configure the worker context with engines of their own: put it back after."""
    saved = context._settings, context._sessionmaker
    yield
    context._settings, context._sessionmaker = saved


@pytest.fixture(params=backends())
def fresh_url(request, tmp_path):
    with migrated_database(request.param, tmp_path) as (url, engine):
        with make_sessionmaker(engine)() as session:
            sequence = create_sequence(session, {"name": "Warm", "definition": ONE_EMAIL})
            activate(session, sequence, datetime.now(UTC))
            lead = create_lead(session, validate_lead_input({"email": "warm@example.com"}), reason="test")
            enroll(session, sequence, lead, now=datetime.now(UTC), by="test")
            create_sequence(session, {"name": "Draft", "definition": DRAFT})  # not active: not warmed
            session.commit()
        yield url


def _first_batch_reads(url: str, tmp_path, *, warmed: bool) -> dict[str, bool]:
    """Whether each of the first batch's reads was found compiled in a new worker engine's cache."""
    engine = make_engine(url)
    settings = Settings(database_url=url, secret_key="k", instance_path=tmp_path / "instance", postal_address="1 Test Street")
    context.configure(settings, make_sessionmaker(engine))
    if warmed:
        warm_up()
    hits: dict[str, bool] = {}

    def record(conn, cursor, statement, parameters, ctx, executemany):  # noqa: ANN001
        for read in BATCH_READS:
            if statement.lstrip().startswith("SELECT") and read in statement and read not in hits:
                hits[read] = ctx.cache_hit is CACHE_HIT

    with make_sessionmaker(engine)() as session:
        claim = claim_due(session, datetime.now(UTC), 10, 60)
    event.listen(engine, "after_cursor_execute", record)
    try:
        assert run_send_batch(claim.enrollment_ids, claim.token)["completed"] == 1  # sent, and the sequence ends
    finally:
        event.remove(engine, "after_cursor_execute", record)
        engine.dispose()
    return hits


def test_the_first_batch_finds_its_reads_compiled_after_the_warm_up(fresh_url, tmp_path):
    assert _first_batch_reads(fresh_url, tmp_path, warmed=True) == dict.fromkeys(BATCH_READS, True)


def test_without_the_warm_up_the_first_batch_compiles_them(fresh_url, tmp_path):
    assert _first_batch_reads(fresh_url, tmp_path, warmed=False) == dict.fromkeys(BATCH_READS, False)


def test_a_database_not_migrated_yet_leaves_the_worker_starting(tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    context.configure(Settings(database_url=url, secret_key="k", instance_path=tmp_path / "instance"))
    with caplog.at_level(logging.WARNING, logger="workers.worker"):
        warm_up()
    assert "worker warm-up skipped" in caplog.text


def test_the_active_sequences_are_parsed_and_their_emails_compiled(fresh_url, tmp_path):
    versions._definitions.clear()
    versions._compiled.cache_clear()
    context.configure(Settings(database_url=fresh_url, secret_key="k", instance_path=tmp_path / "instance"))
    warm_up()
    assert [d.steps[0].id for d in versions._definitions.values()] == ["hello"]
    assert versions._compiled.cache_info().currsize == 1  # the active sequence's one email, not the draft's
