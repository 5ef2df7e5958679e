"""Topic opt-outs: a lead can stop one kind of email ("newsletter") and keep the rest.

Stored by address like the suppression list, read at send time for a whole
batch at once, and every change is on the lead's timeline.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nurture.db.bulk import one_of
from nurture.leads.timeline import record_event
from nurture.models import Lead, TopicOptOut


def opted_out_pairs(session: Session, emails: Iterable[str]) -> set[tuple[str, str]]:
    """(email, topic) of every opt-out of these addresses: one query per send batch."""
    wanted = {e.lower() for e in emails}
    if not wanted:
        return set()
    return {(e, t) for e, t in session.execute(select(TopicOptOut.email, TopicOptOut.topic).where(one_of(session, TopicOptOut.email, wanted)))}


def opted_out_topics(session: Session, email: str) -> set[str]:
    return {topic for _email, topic in opted_out_pairs(session, [email])}


def set_topic(session: Session, lead: Lead | None, email: str, topic: str, subscribed: bool, how: str) -> bool:
    """Opt ``email`` out of (or back into) ``topic``; returns False when nothing changed."""
    email = email.lower()
    if subscribed:
        removed = session.execute(delete(TopicOptOut).where(TopicOptOut.email == email, TopicOptOut.topic == topic))
        changed = (removed.rowcount or 0) > 0  # type: ignore[attr-defined]
    else:
        try:
            with session.begin_nested():
                session.add(TopicOptOut(email=email, topic=topic))
            changed = True
        except IntegrityError:  # already opted out (maybe concurrently)
            changed = False
    if changed and lead is not None:
        kind, verb = ("topic_opted_in", "Opted back in to") if subscribed else ("topic_opted_out", "Opted out of")
        record_event(session, lead, kind, f"{verb} '{topic}' emails ({how})", {"topic": topic, "email": email})
    return changed
