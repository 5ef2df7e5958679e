"""The migrations build exactly the schema the models describe, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import campaigns.models  # noqa: F401
from nurture.db.migrations_filter import include_object
from nurture.models import Base


def test_migrated_schema_matches_the_models(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []
