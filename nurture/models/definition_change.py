"""The audit of the shared definitions: who changed a status value or a band, when, from what to what.

Rows are only ever added. A band change also names the policy version it
saved, so the audit and Scoring → History tell the same story.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow


class DefinitionChange(Base):
    __tablename__ = "definition_changes"
    __table_args__ = (Index("ix_definition_changes_subject_created_at", "subject", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(40))  # lead_status, grade_band, temperature_band, pipeline_stage
    key: Mapped[str] = mapped_column(String(64))  # the status key or band name
    action: Mapped[str] = mapped_column(String(20))  # added, renamed, retired, restored, changed (pipeline: moved, deactivated, reactivated)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id", ondelete="SET NULL"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
