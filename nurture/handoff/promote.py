"""Moving a lead to MQL or handing it to sales, exactly once even under concurrent clicks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.handoff.first_touch import open_first_touch
from nurture.handoff.routing import route_lead
from nurture.handoff.thresholds import Thresholds, next_stage
from nurture.leads.timeline import record_event
from nurture.models import Lead, LifecycleStage, OwnerTeam, Task, User
from nurture.scoring.lead_score import LeadScore


@dataclass(frozen=True)
class Promotion:
    stage: LifecycleStage
    rep: User | None = None
    task: Task | None = None


def _advance_once(session: Session, lead: Lead, target: LifecycleStage, **values: object) -> bool:
    """A conditional UPDATE: of two concurrent evaluations, only one moves the stage."""
    earlier = [s for s in LifecycleStage if s.rank < target.rank]
    result = session.execute(
        update(Lead)
        .where(Lead.id == lead.id, Lead.lifecycle_stage.in_(earlier))
        .values(lifecycle_stage=target, **values)
        .execution_options(synchronize_session=False)
    )
    if (result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(lead)
    return True


def explain(score: LeadScore) -> str:
    lines = [f"Score {score.engagement.score} engagement ({score.temperature}), {score.fit.score} fit (grade {score.grade}):"]
    for c in sorted(score.engagement.contributions + score.fit.contributions, key=lambda c: -abs(c.value_now))[:12]:
        lines.append(f"  {c.value_now:+.1f}  {c.description}")
    return "\n".join(lines)


def promote(
    session: Session, settings: Settings, lead: Lead, score: LeadScore, now: datetime, thresholds: Thresholds
) -> Promotion | None:
    previous = LifecycleStage(lead.lifecycle_stage)
    target = next_stage(previous, score.engagement.score, score.fit.score, thresholds)
    if target is None:
        return None
    reason = f"Score {score.label} ({score.engagement.score} engagement, {score.fit.score} fit) crossed the {target.value.upper()} threshold"
    if target == LifecycleStage.MQL:
        if not _advance_once(session, lead, target):
            return None
        record_event(session, lead, "stage_changed", reason, {"lifecycle_stage": [previous.value, target.value]})
        return Promotion(target)

    route = route_lead(session, lead, now)
    rep = route.rep
    if not _advance_once(session, lead, target, owner_team=OwnerTeam.SALES, owner_user_id=rep.id if rep else None):
        return None
    record_event(session, lead, "stage_changed", reason, {"lifecycle_stage": [previous.value, target.value]})
    record_event(
        session, lead, "owner_changed",
        f"Handed to sales: {rep.email if rep else 'no rep available (unassigned)'} ({route.why})",
        {"owner_team": ["marketing", "sales"], "owner_user_id": [None, rep.id if rep else None]},
    )  # fmt: skip
    task = open_first_touch(session, settings, lead, rep, now, thresholds.sla_business_hours, explain(score))
    return Promotion(target, rep, task)
