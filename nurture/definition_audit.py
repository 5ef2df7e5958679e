"""The shared definitions' audit: add a change row (who, when, before, after); read them back, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.models import DefinitionChange, User


def record_change(
    session: Session, subject: str, key: str, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None,
    actor: User | None, now: datetime, policy_version_id: int | None = None,
) -> DefinitionChange:  # fmt: skip
    change = DefinitionChange(
        subject=subject, key=key, action=action, before=before, after=after, policy_version_id=policy_version_id,
        actor_user_id=actor.id if actor else None, created_at=now,
    )  # fmt: skip
    session.add(change)
    return change


def recent_changes(session: Session, subjects: tuple[str, ...], limit: int = 100) -> list[tuple[DefinitionChange, str | None]]:
    """The latest changes of these subjects with their author's email (None: a deleted user or the system)."""
    rows = session.execute(
        select(DefinitionChange, User.email).outerjoin(User, User.id == DefinitionChange.actor_user_id)
        .where(DefinitionChange.subject.in_(subjects))
        .order_by(DefinitionChange.created_at.desc(), DefinitionChange.id.desc()).limit(limit)
    )  # fmt: skip
    return [(change, email) for change, email in rows]
