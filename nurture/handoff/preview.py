"""What a policy change would do: a sample of current leads re-graded under both policies, counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.handoff.policy import Policy
from nurture.models import Lead
from nurture.scoring.lead_score import score_from, score_inputs
from nurture.scoring.rules import GRADES, TEMPERATURES

SAMPLE = 200


@dataclass
class Preview:
    sample: int = 0
    grades: dict[str, tuple[int, int]] = field(default_factory=dict)  # grade → (before, after)
    temperatures: dict[str, tuple[int, int]] = field(default_factory=dict)
    regraded: int = 0  # leads whose grade or temperature would change
    sales_ready: tuple[int, int] = (0, 0)  # leads at or above the sales-ready threshold (and min fit)


def preview_change(session: Session, before: Policy, after: Policy, now: datetime, sample: int = SAMPLE) -> Preview:
    """The most recently updated leads (up to ``sample``), each read once and scored under both policies."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in ("grade0", "grade1", "temp0", "temp1")}
    preview = Preview()
    ready = [0, 0]
    for lead in session.scalars(select(Lead).order_by(Lead.updated_at.desc(), Lead.id.desc()).limit(sample)):
        inputs = score_inputs(session, lead)
        scores = [score_from(inputs, policy.rules, now) for policy in (before, after)]
        for n, (score, policy) in enumerate(zip(scores, (before, after), strict=True)):
            counts[f"grade{n}"][score.grade] += 1
            counts[f"temp{n}"][score.temperature] += 1
            t = policy.thresholds
            ready[n] += score.engagement.score >= t.sales_ready_engagement and score.fit.score >= t.sales_ready_min_fit
        preview.sample += 1
        preview.regraded += scores[0].label != scores[1].label
    preview.grades = {g: (counts["grade0"][g], counts["grade1"][g]) for g in GRADES}
    preview.temperatures = {t: (counts["temp0"][t], counts["temp1"][t]) for t in TEMPERATURES}
    preview.sales_ready = (ready[0], ready[1])
    return preview
