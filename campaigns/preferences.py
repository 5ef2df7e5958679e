"""A recipient's email preferences, reached from a sent message: topics they get, or nothing at all.

The topics offered are those the live sequences declare, plus any the address
already opted out of (so an opt-out can always be undone).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Send, Sequence, SequenceStatus, SequenceVersion
from campaigns.tracking import unsubscribe
from nurture.mail.suppression import is_suppressed
from nurture.mail.topics import opted_out_topics, set_topic
from nurture.models import Lead


@dataclass(frozen=True)
class Preferences:
    send_id: int
    email: str
    unsubscribed: bool  # from all marketing (the suppression list)
    topics: list[tuple[str, bool]]  # (topic, subscribed), sorted


def declared_topics(session: Session) -> set[str]:
    topics = session.scalars(
        select(SequenceVersion.definition["topic"].as_string())  # read in the database: not every email's HTML
        .join(Sequence, Sequence.current_version_id == SequenceVersion.id)
        .where(Sequence.status != SequenceStatus.ARCHIVED)
    )
    return {t.strip() for t in topics if t and t.strip()}


def preferences(session: Session, send_id: int) -> Preferences | None:
    """What the preferences page shows; None for an unknown message."""
    send = session.get(Send, send_id)
    if send is None:
        return None
    opted_out = opted_out_topics(session, send.rcpt_to)
    topics = sorted(declared_topics(session) | opted_out, key=str.lower)
    return Preferences(send.id, send.rcpt_to, is_suppressed(session, send.rcpt_to), [(t, t not in opted_out) for t in topics])


def save_preferences(
    session: Session, send_id: int, subscribed: Collection[str], now: datetime, *, unsubscribe_all: bool = False
) -> Preferences | None:
    """Apply the page's choices (topics not offered are ignored); the caller commits."""
    current = preferences(session, send_id)
    if current is None:
        return None
    if unsubscribe_all:
        unsubscribe(session, send_id, now, how="preferences page")
    else:
        send = session.get(Send, send_id)
        assert send is not None
        lead = session.get(Lead, send.lead_id)
        for topic, was_subscribed in current.topics:
            if (topic in subscribed) != was_subscribed:
                set_topic(session, lead, current.email, topic, topic in subscribed, "preferences page")
    return preferences(session, send_id)
