"""Score snapshots: the evaluation loop stores each re-scored lead's score, so "hot leads" is an indexed query.

Decay multiplies every lead's engagement by the same factor as time passes, so
the order of leads by engagement *now* is the order of

    heat = log2(engagement at scoring) + (scoring time − EPOCH) / half-life

which never changes while a lead is idle: no row is rewritten as leads cool.
Engagement now is the snapshot decayed from its scoring time. Two things are
approximate until the lead's next event re-scores it: a score held up by a
cap (the true score stays at the cap a while before decaying) and manual
adjustments (they do not decay). Both only make a lead look slightly cooler.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from nurture.models import LeadScoreSnapshot
from nurture.scoring.lead_score import LeadScore

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _half_lives(at: datetime, half_life_days: float) -> float:
    return (at - EPOCH).total_seconds() / 86400 / half_life_days


def heat(engagement: float, at: datetime, half_life_days: float) -> float | None:
    """The decay-invariant ordering key; None when there is no positive engagement to rank."""
    return math.log2(engagement) + _half_lives(at, half_life_days) if engagement > 0 else None


def engagement_now(snapshot: LeadScoreSnapshot, now: datetime) -> float:
    elapsed_days = max(0.0, (now - snapshot.scored_at).total_seconds() / 86400)
    return snapshot.engagement * 0.5 ** (elapsed_days / snapshot.half_life_days)


def save_snapshot(session: Session, lead_id: int, score: LeadScore, now: datetime, half_life_days: float) -> None:
    """Insert or replace the lead's snapshot (one statement, safe against a concurrent evaluator)."""
    engagement = sum(c.value_now for c in score.engagement.contributions)
    values = {
        "lead_id": lead_id, "engagement": engagement, "fit": score.fit.score, "grade": score.grade,
        "heat": heat(engagement, now, half_life_days), "half_life_days": half_life_days, "scored_at": now,
    }  # fmt: skip
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(LeadScoreSnapshot).values(**values)
    session.execute(
        statement.on_conflict_do_update(index_elements=["lead_id"], set_={k: v for k, v in values.items() if k != "lead_id"})
    )
