"""Evaluating leads whose engagement changed, from the event tables read as change feeds.

Positions are kept in the database (``checkpoints``), so a restart or a Redis
flush re-reads nothing twice and misses nothing; rows are read a moment after
they were written (``recorded_at``, not when the event occurred: opens and
clicks reach the table later, through the ingest stream) so a late commit with
a lower id is not skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.handoff.fresh_start import score_for_promotion
from nurture.handoff.policy import Policy, current_policy
from nurture.handoff.promote import Promotion, promote
from nurture.models import ActivityEvent, Checkpoint, EmailEvent, Lead, LeadEvent
from nurture.scoring.lead_score import score_from, score_inputs
from nurture.scoring.snapshot import save_snapshot
from nurture.stages.ladder import load_ladder

SETTLE = timedelta(milliseconds=200)
CHUNK = 1000
LEAD_EVENT_KINDS = ("form_submitted", "score_adjusted", "updated", "imported", "created")


def _checkpoint(session: Session, name: str) -> Checkpoint:
    point = session.get(Checkpoint, name)
    if point is None:
        point = Checkpoint(name=name, position=0)
        session.add(point)
        session.flush()
    return point


def _changed_leads(session: Session, now: datetime) -> set[int]:
    leads: set[int] = set()
    feeds: list[tuple[str, Callable[[int], list[tuple[int, int]]]]] = [
        ("engagement.email_events", lambda after: session.execute(
            select(EmailEvent.id, EmailEvent.lead_id).where(EmailEvent.id > after, EmailEvent.is_machine.is_(False),
                                                            EmailEvent.recorded_at <= now - SETTLE)
            .order_by(EmailEvent.id).limit(CHUNK)).all()),
        ("engagement.activity_events", lambda after: session.execute(
            select(ActivityEvent.id, ActivityEvent.lead_id).where(ActivityEvent.id > after, ActivityEvent.recorded_at <= now - SETTLE)
            .order_by(ActivityEvent.id).limit(CHUNK)).all()),
        ("engagement.lead_events", lambda after: session.execute(
            select(LeadEvent.id, LeadEvent.lead_id).where(LeadEvent.id > after, LeadEvent.kind.in_(LEAD_EVENT_KINDS),
                                                          LeadEvent.created_at <= now - SETTLE)
            .order_by(LeadEvent.id).limit(CHUNK)).all()),
    ]  # fmt: skip
    for name, read in feeds:
        point = _checkpoint(session, name)
        rows = read(point.position)
        if rows:
            point.position = rows[-1][0]
            leads.update(lead_id for _id, lead_id in rows)
    return leads


def evaluate_changed_leads(session: Session, settings: Settings, now: datetime, policy: Policy | None = None) -> list[Promotion]:
    """One pass: score every lead with new engagement, promote those that crossed a threshold.

    The policy and the stages are read once for the whole pass, so every lead of a pass is judged alike.
    """
    policy = policy or current_policy(session)
    ladder = load_ladder(session)
    promotions = []
    lead_ids = _changed_leads(session, now)
    session.commit()  # the feed positions: a crash below re-scores nothing twice (promotion is idempotent anyway)
    for lead_id in sorted(lead_ids):
        lead = session.get(Lead, lead_id)
        if lead is None:
            continue
        inputs = score_inputs(session, lead)
        score = score_from(inputs, policy.rules, now)
        save_snapshot(session, lead.id, score, now, policy.rules.half_life_days)  # for the hot leads list
        judged = score_for_promotion(session, lead, inputs, score, policy.rules, now)
        promotion = promote(session, settings, lead, judged, now, policy.thresholds, ladder)
        session.commit()
        if promotion:
            promotions.append(promotion)
    return promotions


def start_feeds_at_the_end(session: Session) -> None:
    """Used when a database first gets the evaluator: history is not re-evaluated."""
    feeds = (("engagement.email_events", EmailEvent), ("engagement.lead_events", LeadEvent), ("engagement.activity_events", ActivityEvent))
    for name, model in feeds:
        _checkpoint(session, name).position = session.scalar(select(func.max(model.id))) or 0
