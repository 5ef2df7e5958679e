"""PostgreSQL's durable note of the ledger rows a send batch is about to claim (campaigns/ledger.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base


class SendReservation(Base):
    """Committed durably before a batch claims these rows in commits that do not wait for the disk. Deleted
    when the batch ends; one left from before the database server's last start, or from another WAL
    timeline (a standby took over), may cover claims that server lost: its rows still pending are
    ``unknown``, never sent again."""

    __tablename__ = "send_reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    send_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer).with_variant(JSON(), "sqlite"))
    lease_until: Mapped[datetime]
    reserved_at: Mapped[datetime]  # the server's clock
    timeline: Mapped[int]  # the WAL timeline it was written on
