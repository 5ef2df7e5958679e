"""Work for a rep: the first touch after a handoff, calls, manual emails (the cadence issue adds kinds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_open_by_owner", "owner_user_id", "due_at", sqlite_where=text("completed_at IS NULL"),
              postgresql_where=text("completed_at IS NULL")),
        # The SLA sweep: open, not yet escalated tasks of a kind, by due time.
        Index("ix_tasks_unescalated_due", "kind", "due_at", sqlite_where=text("completed_at IS NULL AND escalated_at IS NULL"),
              postgresql_where=text("completed_at IS NULL AND escalated_at IS NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))  # first_touch, call, email, social, task
    title: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(200))
    # Set once, by whoever escalates a missed deadline first (a conditional UPDATE).
    escalated_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    # Set by sweeps that must task an owner once per situation (e.g. "overdue_opportunity:12:2026-05-01").
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Cadence tasks: the enrollment and step that created it (completing it may wake the enrollment).
    enrollment_id: Mapped[int | None] = mapped_column(index=True)
    step_id: Mapped[str | None] = mapped_column(String(64))
    instructions: Mapped[str | None] = mapped_column(Text)
    # A manual email's draft, rendered for the lead and edited by the rep; send_id is its ledger row.
    draft_subject: Mapped[str | None] = mapped_column(String(998))
    draft_html: Mapped[str | None] = mapped_column(Text)
    draft_text: Mapped[str | None] = mapped_column(Text)
    send_id: Mapped[int | None]
