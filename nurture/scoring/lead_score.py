"""A lead's scores now, from its recorded engagement and what we know of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.models import ActivityEvent, EmailEvent, Lead, LeadEvent
from nurture.scoring.engagement import Engagement, engagement_score
from nurture.scoring.explain import Contribution, Explanation
from nurture.scoring.fit import band, fit_score, lead_facts
from nurture.scoring.rules import ScoringRules

# Email events that score; machine events (scanners, prefetchers) are kept but never count.
EMAIL_KINDS = {"open": "open", "click": "click", "reply": "reply", "unsubscribe": "unsubscribe"}


@dataclass
class LeadScore:
    engagement: Explanation
    fit: Explanation
    temperature: str
    grade: str

    @property
    def label(self) -> str:
        return f"{self.grade}-{self.temperature}"


def engagements(session: Session, lead_id: int) -> list[Engagement]:
    found = [
        Engagement(EMAIL_KINDS[e.kind], e.occurred_at, f"{e.kind} of email {e.send_id}" + (f" ({e.url})" if e.url else ""))
        for e in session.scalars(
            select(EmailEvent).where(EmailEvent.lead_id == lead_id, EmailEvent.is_machine.is_(False), EmailEvent.kind.in_(EMAIL_KINDS))
        )
    ]
    for event in session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "form_submitted")):
        found.append(Engagement("form_submit", event.created_at, f"submitted form {event.data.get('form_name', '')!r}"))
    for activity in session.scalars(select(ActivityEvent).where(ActivityEvent.lead_id == lead_id)):
        description = activity.kind.replace("_", " ") + (f" ({activity.url})" if activity.url else "")
        found.append(Engagement(activity.kind, activity.occurred_at, description))
    return found


@dataclass(frozen=True)
class ScoreInputs:
    """What a lead's score is computed from: read once, scored under any rules (the editor's preview)."""

    engagements: list[Engagement]
    adjustments: list[Contribution]
    facts: dict[str, Any]


def score_inputs(session: Session, lead: Lead) -> ScoreInputs:
    # Manual adjustments (sequence "add score" actions) count as engagement, without decay.
    adjustments = [
        Contribution("adjustment", event.reason, int(event.data.get("points", 0)), int(event.data.get("points", 0)), event.created_at)
        for event in session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "score_adjusted"))
    ]
    return ScoreInputs(engagements(session, lead.id), adjustments, lead_facts(lead))


def score_from(inputs: ScoreInputs, rules: ScoringRules, now: datetime) -> LeadScore:
    engagement = engagement_score(inputs.engagements, now, rules)
    engagement.contributions.extend(inputs.adjustments)
    fit = fit_score(inputs.facts, rules)
    return LeadScore(engagement, fit, band(engagement.score, rules.temperature_bands), band(fit.score, rules.grade_bands))


def score_lead(session: Session, lead: Lead, rules: ScoringRules, now: datetime) -> LeadScore:
    return score_from(score_inputs(session, lead), rules, now)
