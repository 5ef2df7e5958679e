"""Reading the pipeline's stages (rows of pipeline_stages, seeded by migration 0007)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.models import PipelineStage, StageOutcome


def pipeline(session: Session) -> list[PipelineStage]:
    """Active stages in order."""
    return list(session.scalars(select(PipelineStage).where(PipelineStage.active.is_(True)).order_by(PipelineStage.position)))


def stage_by_key(session: Session, key: str) -> PipelineStage | None:
    return session.scalar(select(PipelineStage).where(PipelineStage.key == key, PipelineStage.active.is_(True)))


def first_open_stage(session: Session) -> PipelineStage:
    stage = next((s for s in pipeline(session) if s.outcome == StageOutcome.OPEN), None)
    if stage is None:
        raise LookupError("The pipeline has no open stage")
    return stage
