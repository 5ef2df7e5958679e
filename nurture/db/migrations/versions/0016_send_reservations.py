"""send_reservations: the ledger rows a batch is about to claim, noted durably ahead of them

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 23:10:00

On PostgreSQL a send batch notes its next rows in one durable commit (a reservation, in the server's
clock and WAL timeline), then claims each one before its message in a commit that does not wait for
the disk. A reservation left from before the server's last start, or from another timeline (a standby
took over), may cover claims that server lost: its rows still pending are "unknown", never resent.
See campaigns/ledger.py.

ix_sends_sending_lease (lease_until where state = 'sending') goes: no query reads it (expired rows are
found through their enrollments), and every claim wrote an entry into it.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import nurture.db.base


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('send_reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('send_ids', postgresql.ARRAY(sa.Integer()).with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('lease_until', nurture.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reserved_at', nurture.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('timeline', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_send_reservations'))
    )
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.drop_index('ix_sends_sending_lease', sqlite_where=sa.text("state = 'sending'"), postgresql_where=sa.text("state = 'sending'"))


def downgrade() -> None:
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.create_index('ix_sends_sending_lease', ['lease_until'], unique=False, sqlite_where=sa.text("state = 'sending'"), postgresql_where=sa.text("state = 'sending'"))
    op.drop_table('send_reservations')
