"""Lifecycle stages as data: the team's ordered, written definitions, and the audit of every edit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import OwnerTeam, str_enum


class Stage(Base):
    __tablename__ = "lifecycle_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored on leads and in their history: never changes (rename the name, not the key).
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[str] = mapped_column(Text, default="")
    owner_team: Mapped[OwnerTeam] = mapped_column(str_enum(OwnerTeam), default=OwnerTeam.MARKETING)
    position: Mapped[int]
    # Entry criteria (nurture.stages.criteria): score thresholds, buying signals, field conditions.
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)
    max_age_days: Mapped[int | None]
    # Retired stages keep their row (history names them) but take no leads.
    retired_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Stage {self.key}>"


class StageChange(Base):
    """Who changed which stage definition, when, and what it was before and after."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_key: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(20))  # created, updated, moved, retired, restored
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
