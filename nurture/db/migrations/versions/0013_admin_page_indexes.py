"""admin page indexes: covering indexes for the sequence pages' counts; trigram indexes for lead search

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 03:10:00

The trigram indexes are PostgreSQL-only and optional: they need the pg_trgm extension (shipped with
PostgreSQL, "trusted" since version 13). When it cannot be created, lead search still works, by a scan.
They are not in the models (SQLite has no such index); tests.test_migrations and env.py skip "ix_trgm_" names.
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = {
    "ix_trgm_leads_email": ("leads", "email"),
    "ix_trgm_leads_first_name": ("leads", "lower(first_name)"),
    "ix_trgm_leads_last_name": ("leads", "lower(last_name)"),
    "ix_trgm_companies_name": ("companies", "lower(name)"),
}


def _trigram_ops() -> str | None:
    """The qualified trigram operator class, installing pg_trgm in public when allowed; None when not possible."""
    bind = op.get_bind()
    found = bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    )).scalar()
    if found is None:
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
            savepoint.commit()
            found = "public"
        except sa.exc.DBAPIError:
            savepoint.rollback()
            return None
    return f'"{found}".gin_trgm_ops'


def upgrade() -> None:
    with op.batch_alter_table('email_events', schema=None) as batch_op:
        batch_op.drop_index('ix_email_events_send_id_kind')
        batch_op.create_index('ix_email_events_send_id_kind_machine', ['send_id', 'kind', 'is_machine'], unique=False)
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.create_index('ix_sends_version_step_variant_state', ['version_id', 'step_id', 'variant', 'state'], unique=False)
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_sequence_state_step', ['sequence_id', 'state', 'current_step'], unique=False)
    if op.get_bind().dialect.name == "postgresql" and (ops := _trigram_ops()) is not None:
        for name, (table, expression) in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression} {ops})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_sequence_state_step')
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.drop_index('ix_sends_version_step_variant_state')
    with op.batch_alter_table('email_events', schema=None) as batch_op:
        batch_op.drop_index('ix_email_events_send_id_kind_machine')
        batch_op.create_index('ix_email_events_send_id_kind', ['send_id', 'kind'], unique=False)
