"""The opportunity pipeline: stages stored as data, with their order and win probability."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base
from nurture.models.enums import StageOutcome, str_enum


class PipelineStage(Base):
    __tablename__ = "pipeline_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]
    probability: Mapped[int]  # percent, 0-100
    # Closed Won / Closed Lost end an opportunity; every other stage is open.
    outcome: Mapped[StageOutcome] = mapped_column(str_enum(StageOutcome), default=StageOutcome.OPEN)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<PipelineStage {self.key}>"
