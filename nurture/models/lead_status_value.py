"""Lead status values as data: each team's words for a lead's working state, editable by admins.

The key is what ``leads.lead_status`` stores and never changes; the label is
what people read and may be renamed. A value is retired (not deleted) when no
lead holds it, so the timeline's old statuses keep meaning something.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import OwnerTeam, str_enum


class LeadStatusValue(Base):
    __tablename__ = "lead_status_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    owner_team: Mapped[OwnerTeam] = mapped_column(str_enum(OwnerTeam))
    position: Mapped[int]
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LeadStatusValue {self.key}>"
