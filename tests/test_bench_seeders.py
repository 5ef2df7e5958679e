"""The benchmarks' raw-SQL seeders still fit the schema: a NOT NULL column added by a later issue
(leads.stage_entered_at) broke two of them unnoticed until a benchmark was run again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bench import import_csv, scheduler_poll
from campaigns.models import Enrollment
from campaigns.sequences import activate, create_sequence
from nurture.db.engine import make_sessionmaker
from nurture.models import Lead
from tests.databases import backends, migrated_database, postgresql_backend


@pytest.mark.parametrize("backend", backends())
def test_the_csv_benchmarks_raw_insert_fits_the_leads_table(backend, tmp_path):
    with migrated_database(backend, tmp_path) as (_url, engine):
        import_csv.raw_insert(engine, 3)
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Lead)) == 3


@pytest.mark.parametrize("backend", postgresql_backend())  # its SQL is PostgreSQL's
def test_the_poll_benchmarks_seeder_fits_the_schema(backend, tmp_path):
    with migrated_database(backend, tmp_path) as (_url, engine):
        with make_sessionmaker(engine)() as session:
            sequence = create_sequence(session, {"name": "Poll", "definition": scheduler_poll.DEFINITION})
            activate(session, sequence, datetime.now(UTC))
            session.commit()
            ids = sequence.id, sequence.current_version_id
        scheduler_poll.grow(engine, 10, 0, *ids)
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Enrollment)) == 10
