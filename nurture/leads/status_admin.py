"""Admins edit the status values: add one, rename its label (or move it to the other team), retire, restore.

Keys never change, so every lead, filter and timeline entry keeps meaning the
same thing. Each change is audited (definition_changes). The statuses the
engine sets itself (calls, qualification, disqualification, resurfacing:
``LeadStatus``) cannot be retired; any other can once no lead holds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.definition_audit import record_change
from nurture.errors import ValidationError
from nurture.keys import is_key
from nurture.leads.status_values import KEY_RULE
from nurture.leads.text import clean_text
from nurture.models import Lead, LeadStatus, LeadStatusValue, OwnerTeam, User

SUBJECT = "lead_status"
ENGINE_KEYS = frozenset(s.value for s in LeadStatus)


def _snapshot(value: LeadStatusValue) -> dict[str, Any]:
    return {"label": value.label, "owner_team": str(value.owner_team), "retired": value.retired_at is not None}


def _label_and_team(label: object, team: object, errors: dict[str, str]) -> tuple[str, OwnerTeam | None]:
    text, error = clean_text(label, 100)
    if error or not text:
        errors["label"] = error or "Required field missing"
    try:
        owner = OwnerTeam(team)
    except ValueError:
        errors["owner_team"] = "One of " + ", ".join(t.value for t in OwnerTeam)
        owner = None
    return text or "", owner


def _get(session: Session, key: str) -> LeadStatusValue:
    value = session.scalar(select(LeadStatusValue).where(LeadStatusValue.key == key))
    if value is None:
        raise ValidationError({"key": "No status with this key"})
    return value


def add_status(session: Session, key: object, label: object, team: object, actor: User | None, now: datetime) -> LeadStatusValue:
    errors: dict[str, str] = {}
    clean_key = key.strip().lower() if isinstance(key, str) else ""
    if not is_key(clean_key):
        errors["key"] = KEY_RULE
    elif session.scalar(select(LeadStatusValue.id).where(LeadStatusValue.key == clean_key)) is not None:
        errors["key"] = "Taken (retired values keep their key: restore it instead)"
    text, owner = _label_and_team(label, team, errors)
    if errors:
        raise ValidationError(errors)
    last = session.scalar(select(func.max(LeadStatusValue.position))) or 0
    value = LeadStatusValue(key=clean_key, label=text, owner_team=owner, position=last + 10, created_at=now)
    session.add(value)
    record_change(session, SUBJECT, clean_key, "added", None, _snapshot(value), actor, now)
    return value


def rename_status(session: Session, key: str, label: object, team: object, actor: User | None, now: datetime) -> bool:
    """A new label and/or owning team; False when nothing changed."""
    value = _get(session, key)
    errors: dict[str, str] = {}
    text, owner = _label_and_team(label, team, errors)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(value)
    value.label, value.owner_team = text, owner  # type: ignore[assignment]
    if _snapshot(value) == before:
        return False
    record_change(session, SUBJECT, key, "renamed", before, _snapshot(value), actor, now)
    return True


def retire_status(session: Session, key: str, actor: User | None, now: datetime) -> None:
    value = _get(session, key)
    if key in ENGINE_KEYS:
        raise ValidationError({"key": "Nurture itself sets this status (calls, qualification, recycling): rename it instead"})
    held = session.scalar(select(func.count()).select_from(Lead).where(Lead.lead_status == key)) or 0
    if held:
        raise ValidationError({"key": f"{held} lead(s) hold this status: move them first"})
    if value.retired_at is None:
        before = _snapshot(value)
        value.retired_at = now
        record_change(session, SUBJECT, key, "retired", before, _snapshot(value), actor, now)


def restore_status(session: Session, key: str, actor: User | None, now: datetime) -> None:
    value = _get(session, key)
    if value.retired_at is not None:
        before = _snapshot(value)
        value.retired_at = None
        record_change(session, SUBJECT, key, "restored", before, _snapshot(value), actor, now)
