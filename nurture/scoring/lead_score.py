"""A lead's scores now, from its recorded engagement and what we know of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


def score_lead(session: Session, lead: Lead, rules: ScoringRules, now: datetime) -> LeadScore:
    engagement = engagement_score(engagements(session, lead.id), now, rules)
    # Manual adjustments (sequence "add score" actions) count as engagement, without decay.
    for event in session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "score_adjusted")):
        points = int(event.data.get("points", 0))
        engagement.contributions.append(Contribution("adjustment", event.reason, points, points, event.created_at))
    fit = fit_score(lead_facts(lead), rules)
    return LeadScore(engagement, fit, band(engagement.score, rules.temperature_bands), band(fit.score, rules.grade_bands))
