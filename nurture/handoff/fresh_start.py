"""A disqualified lead starts over: only engagement after its last disqualification can promote it again.

Without this, a lead that sales just sent back with a reason would be handed to sales again by its very
next click, on the strength of the engagement sales already judged. Its full score is still shown.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.models import Disqualification, Lead
from nurture.scoring.lead_score import LeadScore, ScoreInputs, score_from
from nurture.scoring.rules import ScoringRules


def last_disqualified_at(session: Session, lead_id: int) -> datetime | None:
    return session.scalar(select(func.max(Disqualification.created_at)).where(Disqualification.lead_id == lead_id))


def score_for_promotion(
    session: Session, lead: Lead, inputs: ScoreInputs, full: LeadScore, rules: ScoringRules, now: datetime
) -> LeadScore:
    """The score that may promote ``lead``: its full score, or the one earned since it was last disqualified."""
    since = last_disqualified_at(session, lead.id)
    if since is None:
        return full
    fresh = ScoreInputs([e for e in inputs.engagements if e.occurred_at > since], inputs.adjustments, inputs.facts)
    return score_from(fresh, rules, now)
