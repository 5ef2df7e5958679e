"""Threaded follow-ups: a cadence email that replies to the enrollment's first email (RFC 5322 In-Reply-To/References)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Send, SendState

REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# Sent, or maybe sent (the lead may have it): either is the thread's start.
STARTED = (SendState.SENT, SendState.UNKNOWN)


@dataclass(frozen=True)
class ThreadRef:
    message_id: str
    subject: str | None  # None for sends recorded before subjects were kept


def reply_subject(subject: str) -> str:
    """``Re: <subject>``, never ``Re: Re: …``."""
    return "Re: " + REPLY_PREFIX.sub("", subject).strip()


def first_emails(session: Session, enrollment_ids: Iterable[int]) -> dict[int, ThreadRef]:
    """Each enrollment's first email that went out (one query for all of them)."""
    ids = set(enrollment_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Send.enrollment_id, Send.message_id, Send.subject)
        .where(Send.enrollment_id.in_(ids), Send.state.in_(STARTED), Send.message_id.is_not(None))
        .order_by(Send.sent_at.is_(None), Send.sent_at, Send.id)
    ).all()
    found: dict[int, ThreadRef] = {}
    for enrollment_id, message_id, subject in rows:
        found.setdefault(enrollment_id, ThreadRef(message_id, subject))
    return found
