"""A sequence (nurture or cadence) and its immutable versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import str_enum


class SequenceKind(StrEnum):
    NURTURE = "nurture"
    CADENCE = "cadence"


class SequenceStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


class ReenrollPolicy(StrEnum):
    NEVER = "never"  # a lead goes through once
    AFTER_EXIT = "after_exit"  # again once the previous enrollment ended
    ALWAYS = "always"  # same as after_exit; one active enrollment at a time regardless


class Sequence(Base):
    __tablename__ = "sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[SequenceKind] = mapped_column(str_enum(SequenceKind), default=SequenceKind.NURTURE)
    status: Mapped[SequenceStatus] = mapped_column(str_enum(SequenceStatus), default=SequenceStatus.DRAFT)
    # The version new enrollments get (no foreign key: the two tables point at each other).
    current_version_id: Mapped[int | None]
    reenroll: Mapped[ReenrollPolicy] = mapped_column(str_enum(ReenrollPolicy), default=ReenrollPolicy.NEVER)
    paused_at: Mapped[datetime | None]
    # Auto-enrollment reads the lead timeline after this event id (a checkpoint, not a scan of everyone).
    entry_event_id: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SequenceVersion(Base):
    """What enrolled leads run: frozen once it has enrollments (editing makes a new version)."""

    __tablename__ = "sequence_versions"
    __table_args__ = (UniqueConstraint("sequence_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
