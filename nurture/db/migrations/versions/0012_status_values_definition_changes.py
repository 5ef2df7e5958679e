"""lead status values as data, the definitions audit, task dedupe keys

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 02:50:00
"""

from alembic import op
import sqlalchemy as sa
import nurture.db.base


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The statuses leads held until now, as data (keys unchanged, so every lead keeps its status).
DEFAULT_STATUSES = [
    {"key": "new", "label": "New", "owner_team": "marketing", "position": 10},
    {"key": "attempting", "label": "Attempting", "owner_team": "sales", "position": 20},
    {"key": "connected", "label": "Connected", "owner_team": "sales", "position": 30},
    {"key": "qualified", "label": "Qualified", "owner_team": "sales", "position": 40},
    {"key": "unqualified", "label": "Unqualified", "owner_team": "sales", "position": 50},
    {"key": "bad_timing", "label": "Bad timing", "owner_team": "sales", "position": 60},
]


def upgrade() -> None:
    statuses = op.create_table('lead_status_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('owner_team', sa.Enum('marketing', 'sales', name='ownerteam', native_enum=False, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', nurture.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', nurture.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_status_values')),
    sa.UniqueConstraint('key', name=op.f('uq_lead_status_values_key'))
    )
    now = nurture.db.base.utcnow()
    op.bulk_insert(statuses, [{**row, "created_at": now} for row in DEFAULT_STATUSES])
    op.create_table('definition_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('policy_version_id', sa.Integer(), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', nurture.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_definition_changes_actor_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_versions.id'], name=op.f('fk_definition_changes_policy_version_id_policy_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_definition_changes'))
    )
    with op.batch_alter_table('definition_changes', schema=None) as batch_op:
        batch_op.create_index('ix_definition_changes_subject_created_at', ['subject', 'created_at'], unique=False)
    # Only the column's Python type changes (enum → key string): the stored VARCHAR(32) and its data stay.
    op.add_column('tasks', sa.Column('dedupe_key', sa.String(length=120), nullable=True))
    op.create_index(op.f('ix_tasks_dedupe_key'), 'tasks', ['dedupe_key'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_tasks_dedupe_key'), table_name='tasks')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('dedupe_key')
    with op.batch_alter_table('definition_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_definition_changes_subject_created_at')
    op.drop_table('definition_changes')
    op.drop_table('lead_status_values')
