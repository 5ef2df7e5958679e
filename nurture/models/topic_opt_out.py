"""A lead's opt-out of one email topic ("newsletter"): sequences of that topic skip the address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow


class TopicOptOut(Base):
    __tablename__ = "topic_opt_outs"
    __table_args__ = (UniqueConstraint("email", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # By address, like suppressions: the choice outlives a deleted or re-created lead.
    email: Mapped[str] = mapped_column(String(254))
    topic: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
