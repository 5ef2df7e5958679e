"""The last computed score of a lead with engagement, kept so "hot leads" is one indexed query.

``heat`` orders leads by engagement *now* without rewriting rows as time passes:
decay multiplies every score by the same factor, so log2(score) plus the
half-lives elapsed since a fixed epoch at scoring time ranks leads exactly as
their decayed scores would (see nurture/scoring/snapshot.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base


class LeadScoreSnapshot(Base):
    __tablename__ = "lead_score_snapshots"

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    engagement: Mapped[float]  # unrounded, at scored_at
    fit: Mapped[int]
    grade: Mapped[str] = mapped_column(String(8))
    heat: Mapped[float | None] = mapped_column(index=True)  # None: no positive engagement
    half_life_days: Mapped[float]
    scored_at: Mapped[datetime]
