"""On PostgreSQL the trigram index serves the lead search by email, never an equality lookup by email:
indexed on the column itself, the importer's `email = ANY(1,000 addresses)` went through it at 4–7 s a
chunk instead of ~10 ms through the unique btree (migration 0015)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bench import import_csv
from tests.databases import migrated_database, postgresql_backend


def _plan(engine, sql: str, **params: object) -> str:
    with engine.connect() as conn:
        return "\n".join(row[0] for row in conn.execute(text("EXPLAIN " + sql), params))


@pytest.mark.parametrize("backend", postgresql_backend())  # trigram indexes are PostgreSQL's
def test_an_import_chunks_email_lookup_never_takes_the_trigram_index_which_search_does(backend, tmp_path):
    with migrated_database(backend, tmp_path) as (_url, engine):
        import_csv.raw_insert(engine, 20_000)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE leads"))
            conn.commit()
        emails = [f"person.{n}@company{n // 25}.example.com" for n in range(0, 20_000, 20)]
        lookup = _plan(engine, "SELECT id, email FROM leads WHERE email = ANY(:emails)", emails=emails)
        assert "ix_trgm" not in lookup, lookup  # the btree or a scan: both ~10 ms at this size
        search = _plan(engine, "SELECT id FROM leads WHERE lower(email) LIKE :pattern", pattern="%person.12345@%")
        assert "ix_trgm_leads_lower_email" in search, search
