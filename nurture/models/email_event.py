"""Engagement with a sent email (opens, clicks …); machine events are kept but flagged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow


class EmailEvent(Base):
    __tablename__ = "email_events"
    __table_args__ = (
        # Covers the per-step counts (distinct sends per kind, machine events apart) as an index-only scan.
        Index("ix_email_events_send_id_kind_machine", "send_id", "kind", "is_machine"),
        Index("ix_email_events_lead_id_occurred_at", "lead_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The ledger row (campaigns' sends table) this event is about; None for events with no message.
    send_id: Mapped[int | None] = mapped_column(index=False)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # open, click, reply, bounce, soft_bounce, unsubscribe
    url: Mapped[str | None] = mapped_column(String(2048))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    ip: Mapped[str | None] = mapped_column(String(45))
    is_machine: Mapped[bool] = mapped_column(default=False)
    machine_reason: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the row was written: events recorded through the stream are written after they occurred, and the
    # handoff's change feed waits on this, not on occurred_at, before trusting that lower ids are committed.
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The Redis stream entry it came from: a redelivered entry is never inserted twice.
    stream_id: Mapped[str | None] = mapped_column(String(40), unique=True)
