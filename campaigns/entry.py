"""Entry rules: leads that are created or changed and match a sequence's rules are enrolled.

The lead timeline is the change feed: each active sequence keeps the id of the
last event it read. Events are read a few seconds after they are written, so a
transaction that committed late (with a lower id) is not skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.conditions import compare, field_value
from campaigns.enrollments import enroll
from campaigns.models import Sequence, SequenceStatus
from campaigns.steps import EntryRule
from campaigns.versions import definition_of
from nurture.errors import ValidationError
from nurture.models import Lead, LeadEvent

WATCHED = ("created", "updated", "imported", "form_submitted", "stage_changed", "status_changed")
SETTLE = timedelta(seconds=2)
CHUNK = 1000


def _matches(rule: EntryRule, lead: Lead, event: LeadEvent) -> bool:
    if rule.source is not None and str(lead.source) != rule.source:
        return False
    if rule.form is not None and (event.kind != "form_submitted" or (event.data or {}).get("form_key") != rule.form):
        return False
    if rule.field is not None and not compare(field_value(lead, rule.field), "equals", rule.equals):
        return False
    return True


def start_checkpoint(session: Session) -> int:
    """Where a newly activated sequence starts reading: only changes from now on count."""
    return session.scalar(select(func.max(LeadEvent.id))) or 0


def auto_enroll(session: Session, now: datetime) -> int:
    """One pass over every active sequence with entry rules; returns how many leads were enrolled."""
    enrolled = 0
    for sequence in session.scalars(select(Sequence).where(Sequence.status == SequenceStatus.ACTIVE)).all():
        if sequence.current_version_id is None:
            continue
        rules = definition_of(session, sequence.current_version_id).entry_rules
        if not rules:
            continue
        events = session.scalars(
            select(LeadEvent)
            .where(LeadEvent.id > sequence.entry_event_id, LeadEvent.kind.in_(WATCHED), LeadEvent.created_at <= now - SETTLE)
            .order_by(LeadEvent.id)
            .limit(CHUNK)
        ).all()
        for event in events:
            lead = session.get(Lead, event.lead_id)
            if lead is not None and any(_matches(rule, lead, event) for rule in rules):
                try:
                    enroll(session, sequence, lead, now=now, by="entry rule")
                    enrolled += 1
                except ValidationError:
                    pass  # already enrolled, suppressed, re-enrollment off: the rule simply does not apply
        if events:
            sequence.entry_event_id = events[-1].id
        session.commit()
    return enrolled
