"""The scoring rules and handoff thresholds in force, versioned: each save is a new row, the latest rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow


class PolicyVersion(Base):
    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Validated documents (ScoringRules.to_dict, Thresholds.to_dict): rows are never updated.
    rules: Mapped[dict[str, Any]]
    thresholds: Mapped[dict[str, Any]]
    # sha256 of both documents: with the id, the key under which a loaded version may be cached.
    digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
