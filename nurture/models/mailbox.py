"""A rep's sending identity: cadence emails to their leads come From here, at most ``daily_cap`` a rolling day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow


class Mailbox(Base):
    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    from_name: Mapped[str] = mapped_column(String(100), default="")
    from_email: Mapped[str] = mapped_column(String(254))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    signature: Mapped[str] = mapped_column(Text, default="")
    # Cadence emails from this address in any 24 hours (0: no cap); the overflow waits.
    daily_cap: Mapped[int] = mapped_column(default=0)
    # The rep's own day, for cadences whose send window follows the rep (IANA name; None: UTC).
    timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
