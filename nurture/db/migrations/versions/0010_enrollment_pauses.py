"""enrollment pauses that end by themselves (out of office, rep away)

Revision ID: 0010
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa
import nurture.db.base


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_until', nurture.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pause_reason', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_enrollments_pause_ends', ['paused_until'], unique=False, sqlite_where=sa.text("state = 'paused'"), postgresql_where=sa.text("state = 'paused'"))
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.create_index('ix_sends_rcpt_to', ['rcpt_to'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.drop_index('ix_sends_rcpt_to')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_pause_ends')
        batch_op.drop_column('pause_reason')
        batch_op.drop_column('paused_until')
