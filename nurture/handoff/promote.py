"""Moving a lead to a further stage by its entry criteria, and handing it to sales, exactly once even under
concurrent clicks. The stages and their criteria are data (nurture.stages); with the seeded defaults this is
the MQL threshold and the sales-ready thresholds of the scoring policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.handoff.first_touch import open_first_touch
from nurture.handoff.fresh_start import last_disqualified_at
from nurture.handoff.routing import route_lead
from nurture.handoff.thresholds import Thresholds
from nurture.leads.timeline import record_event
from nurture.models import Lead, LifecycleStage, OwnerTeam, Task, User
from nurture.scoring.fit import lead_facts
from nurture.scoring.lead_score import LeadScore
from nurture.stages.criteria import LeadFacts, Signals
from nurture.stages.ladder import Ladder, load_ladder
from nurture.stages.signals import lead_signals
from nurture.webhooks.emit import emit


@dataclass(frozen=True)
class Promotion:
    stage: str  # the key of the stage entered (a LifecycleStage member for the built-in ones)
    rep: User | None = None
    task: Task | None = None


def _advance_once(session: Session, lead: Lead, ladder: Ladder, target: str, now: datetime, **values: object) -> bool:
    """A conditional UPDATE: of two concurrent evaluations, only one moves the stage."""
    result = session.execute(
        update(Lead)
        .where(Lead.id == lead.id, Lead.lifecycle_stage.in_(ladder.earlier(target)))
        .values(lifecycle_stage=target, stage_entered_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if (result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(lead)
    return True


def _key(key: str) -> str:
    return LifecycleStage(key) if key in LifecycleStage.__members__.values() else key


def explain(score: LeadScore) -> str:
    lines = [f"Score {score.engagement.score} engagement ({score.temperature}), {score.fit.score} fit (grade {score.grade}):"]
    for c in sorted(score.engagement.contributions + score.fit.contributions, key=lambda c: -abs(c.value_now))[:12]:
        lines.append(f"  {c.value_now:+.1f}  {c.description}")
    return "\n".join(lines)


def promote(
    session: Session, settings: Settings, lead: Lead, score: LeadScore, now: datetime, thresholds: Thresholds,
    ladder: Ladder | None = None,
) -> Promotion | None:
    """Enter the furthest stage whose criteria the lead meets; into a sales stage, hand it to a rep."""
    ladder = ladder or load_ladder(session)
    signals = lead_signals(session, lead.id, last_disqualified_at(session, lead.id)) if ladder.needs_signals else Signals()
    facts = LeadFacts(score.engagement.score, score.fit.score, lead_facts(lead), signals)
    found = ladder.furthest_met(lead.lifecycle_stage, facts, thresholds)
    if found is None:
        return None
    stage, why = found
    previous = lead.lifecycle_stage
    reason = f"Entered {stage.name} ({score.label}): {why}"
    change = {"lifecycle_stage": [previous, stage.key]}
    if stage.owner_team != OwnerTeam.SALES or lead.owner_team == OwnerTeam.SALES:
        if not _advance_once(session, lead, ladder, stage.key, now):
            return None
        record_event(session, lead, "stage_changed", reason, change)
        if stage.key == LifecycleStage.MQL:
            emit(session, "lead.mql", lead, now)
        return Promotion(_key(stage.key))

    route = route_lead(session, lead, now)
    rep = route.rep
    if not _advance_once(session, lead, ladder, stage.key, now, owner_team=OwnerTeam.SALES, owner_user_id=rep.id if rep else None):
        return None
    record_event(session, lead, "stage_changed", reason, change)
    record_event(
        session, lead, "owner_changed",
        f"Handed to sales: {rep.email if rep else 'no rep available (unassigned)'} ({route.why})",
        {"owner_team": ["marketing", "sales"], "owner_user_id": [None, rep.id if rep else None]},
    )  # fmt: skip
    task = open_first_touch(session, settings, lead, rep, now, thresholds.sla_business_hours, f"{reason}\n\n{explain(score)}")
    emit(session, "lead.sales_ready", lead, now)
    return Promotion(_key(stage.key), rep, task)
