"""The suppression list: checked at send time, in the same statement that claims a send."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nurture.models import Suppression


def is_suppressed(session: Session, email: str) -> bool:
    return session.scalar(select(Suppression.id).where(Suppression.email == email.lower())) is not None


def suppress(session: Session, email: str, reason: str, detail: str = "") -> bool:
    """Add an address; returns False when it was already suppressed (idempotent)."""
    email = email.lower()
    if is_suppressed(session, email):
        return False
    try:
        with session.begin_nested():
            session.add(Suppression(email=email, reason=reason, detail=detail[:500]))
    except IntegrityError:  # suppressed concurrently
        return False
    return True
