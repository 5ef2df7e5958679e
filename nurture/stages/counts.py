"""What the Definitions page and the stuck-leads report read: leads per stage, and each stage's maximum age."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.models import Lead, Stage


def lead_counts(session: Session) -> dict[str, int]:
    """Leads in each stage now: one grouped query (the ix_leads_stage_status index)."""
    rows = session.execute(select(Lead.lifecycle_stage, func.count()).group_by(Lead.lifecycle_stage))
    return {key: count for key, count in rows}


def stage_max_ages(session: Session) -> dict[str, int]:
    """{stage key: maximum age in days} for the stages in use that set one.

    A lead is beyond it when ``Lead.stage_entered_at + timedelta(days=age) < now`` (indexed by
    ix_leads_stage_entered on (lifecycle_stage, stage_entered_at)).
    """
    rows = session.execute(select(Stage.key, Stage.max_age_days).where(Stage.max_age_days.is_not(None), Stage.retired_at.is_(None)))
    return {key: days for key, days in rows if days is not None}
