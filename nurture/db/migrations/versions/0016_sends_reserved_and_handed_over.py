"""sends: reserved_at, reserved_timeline and handed_at (a reservation made durable ahead of the messages it covers)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 23:10:00

On PostgreSQL a send batch makes its rows "sending" a few at a time in one durable commit (the
reservation, ``reserved_at`` in the server's clock), then commits each message's hand-over to SMTP
(``handed_at``) without waiting for the disk. A row whose lease ran out before its hand-over was
never given to the server and can be sent again; see campaigns/ledger.py.
"""

from alembic import op
import sqlalchemy as sa
import nurture.db.base


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserved_at', nurture.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reserved_timeline', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handed_at', nurture.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_sends_sending_lease', sqlite_where=sa.text("state = 'sending'"), postgresql_where=sa.text("state = 'sending'"))


def downgrade() -> None:
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.create_index('ix_sends_sending_lease', ['lease_until'], unique=False, sqlite_where=sa.text("state = 'sending'"), postgresql_where=sa.text("state = 'sending'"))
        batch_op.drop_column('handed_at')
        batch_op.drop_column('reserved_timeline')
        batch_op.drop_column('reserved_at')
