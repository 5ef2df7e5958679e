"""A lead's way through one version of a sequence."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import str_enum


class EnrollmentState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    EXITED = "exited"


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        # The scheduler's poll: only active rows are indexed, so idle history costs nothing.
        Index(
            "ix_enrollments_due",
            "next_run_at",
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
        # The sequence pages' counts by state and by waiting step, index-only.
        Index("ix_enrollments_sequence_state_step", "sequence_id", "state", "current_step"),
        # One live enrollment per lead per sequence.
        Index(
            "uq_enrollments_live",
            "lead_id",
            "sequence_id",
            unique=True,
            sqlite_where=text("state IN ('active', 'paused')"),
            postgresql_where=text("state IN ('active', 'paused')"),
        ),
        # Pauses with an end (out of office, a rep away): the claim wakes them when it comes.
        Index(
            "ix_enrollments_pause_ends",
            "paused_until",
            sqlite_where=text("state = 'paused'"),
            postgresql_where=text("state = 'paused'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("sequence_versions.id"))
    state: Mapped[EnrollmentState] = mapped_column(str_enum(EnrollmentState), default=EnrollmentState.ACTIVE)
    exit_reason: Mapped[str | None] = mapped_column(String(200))
    # The step to run next (a step id of the version's definition); None once finished.
    current_step: Mapped[str | None] = mapped_column(String(64))
    # When the previous step ran: delays are planned from it.
    step_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the scheduler should look at it next; a claim pushes it forward by the lease.
    next_run_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    enrolled_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    # A pause of this lead's enrollment (not of the whole sequence) that ends by itself; its steps
    # were shifted by the pause when it began, so waking is a state change only (campaigns/pauses.py).
    paused_until: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(String(200))
