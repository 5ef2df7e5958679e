"""The lead's timeline: every change to a lead is a row with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow


class LeadEvent(Base):
    __tablename__ = "lead_events"
    __table_args__ = (Index("ix_lead_events_lead_id_created_at", "lead_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    # created, updated, stage_changed, status_changed, owner_changed, form_submitted, imported, …
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    # Field changes as {"field": [old, new]} plus anything kind-specific.
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
