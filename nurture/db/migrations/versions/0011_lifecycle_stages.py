"""lifecycle stages as data; leads.stage_entered_at

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 02:50:00

leads.lifecycle_stage keeps its values and its VARCHAR(32) column (it was a
non-native enum): it now names a row of lifecycle_stages, seeded here with the
six stages the code had, their order and today's behaviour.
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import nurture.db.base


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Frozen copy of the defaults at this revision: edit the rows (Admin → Definitions), not this list.
DEFAULT_STAGES = [
    {"key": "subscriber", "name": "Subscriber", "owner_team": "marketing", "position": 10, "criteria": {},
     "definition": "Opted in to hear from us (newsletter, blog) but has shown no interest in buying yet."},
    {"key": "lead", "name": "Lead", "owner_team": "marketing", "position": 20, "criteria": {},
     "definition": "A person we know and nurture: captured by a form, an import, an event or the API."},
    {"key": "mql", "name": "MQL", "owner_team": "marketing", "position": 30, "criteria": {"score": "policy_mql"},
     "definition": "Marketing-qualified: engaged enough to be worth a closer look; marketing still nurtures it."},
    {"key": "sql", "name": "SQL", "owner_team": "sales", "position": 40, "criteria": {"score": "policy_sales_ready"},
     "definition": "Sales-ready: handed to a rep by routing, who owes a first touch within the SLA."},
    {"key": "opportunity", "name": "Opportunity", "owner_team": "sales", "position": 50, "criteria": {},
     "definition": "Qualified by its rep (budget, authority, need, timeline): an opportunity with a close date exists."},
    {"key": "customer", "name": "Customer", "owner_team": "sales", "position": 60, "criteria": {},
     "definition": "Won: one of its opportunities closed won."},
]


def upgrade() -> None:
    stages = op.create_table('lifecycle_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('owner_team', sa.Enum('marketing', 'sales', name='ownerteam', native_enum=False, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('max_age_days', sa.Integer(), nullable=True),
    sa.Column('retired_at', nurture.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', nurture.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lifecycle_stages')),
    sa.UniqueConstraint('key', name=op.f('uq_lifecycle_stages_key'))
    )
    op.create_table('stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_key', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', nurture.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_stage_changes_actor_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_changes'))
    )
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_changes_stage_key'), ['stage_key'], unique=False)

    now = datetime.now(UTC)
    op.bulk_insert(stages, [{**s, "max_age_days": None, "retired_at": None, "updated_at": now} for s in DEFAULT_STAGES])

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_entered_at', nurture.db.base.UTCDateTime(timezone=True), nullable=True))
    # Entered when its stage last changed (the timeline says when), else when it was created.
    op.execute(
        "UPDATE leads SET stage_entered_at = COALESCE((SELECT MAX(e.created_at) FROM lead_events e "
        "WHERE e.lead_id = leads.id AND e.kind IN ('stage_changed', 'recycled')), created_at)"
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.alter_column('stage_entered_at', existing_type=nurture.db.base.UTCDateTime(timezone=True), nullable=False)
        batch_op.create_index('ix_leads_stage_entered', ['lifecycle_stage', 'stage_entered_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_stage_entered')
        batch_op.drop_column('stage_entered_at')
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_changes_stage_key'))
    op.drop_table('stage_changes')
    op.drop_table('lifecycle_stages')
