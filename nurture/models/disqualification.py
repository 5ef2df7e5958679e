"""A rep's disqualification of a lead: the reason, and for bad timing the date it resurfaces."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import DisqualificationReason, str_enum


class Disqualification(Base):
    __tablename__ = "disqualifications"
    __table_args__ = (
        # The resurfacing poll reads only the bad-timing rows still waiting.
        Index("ix_disqualifications_due", "resurface_on", sqlite_where=text("resurfaced_at IS NULL AND resurface_on IS NOT NULL"),
              postgresql_where=text("resurfaced_at IS NULL AND resurface_on IS NOT NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    reason: Mapped[DisqualificationReason] = mapped_column(str_enum(DisqualificationReason))
    note: Mapped[str | None] = mapped_column(String(1000))
    # The stage the lead had before the recycle: the lead-quality report counts how far it got.
    stage_before: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resurface_on: Mapped[date | None] = mapped_column(Date)
    resurfaced_at: Mapped[datetime | None]
