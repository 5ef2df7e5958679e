"""Creating and editing sequences: every edit is a new version; enrolled leads keep theirs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from campaigns.definitions import parse_definition
from campaigns.entry import start_checkpoint
from campaigns.models import (
    Enrollment,
    EnrollmentState,
    ReenrollPolicy,
    Sequence,
    SequenceKind,
    SequenceStatus,
    SequenceVersion,
)
from nurture.errors import ValidationError
from nurture.leads.text import clean_text


def _validate_header(data: Mapping[str, Any], partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "name" in data or not partial:
        name, error = clean_text(data.get("name"), 200)
        if error or not name:
            errors["name"] = error or "Required field missing"
        clean["name"] = name
    for key, enum_cls in (("kind", SequenceKind), ("reenroll", ReenrollPolicy)):
        if key in data:
            try:
                clean[key] = enum_cls(data[key])
            except ValueError:
                errors[key] = "One of " + ", ".join(e.value for e in enum_cls)
    if errors:
        raise ValidationError(errors)
    return clean


def create_sequence(session: Session, data: Mapping[str, Any]) -> Sequence:
    """Create a draft sequence with version 1 from ``{"name", "kind", "reenroll", "definition"}``."""
    unknown = set(data) - {"name", "kind", "reenroll", "definition"}
    if unknown:
        raise ValidationError({key[:64]: "Unknown field" for key in map(str, unknown)})
    clean = _validate_header(data, partial=False)
    errors: dict[str, str] = {}
    try:
        parse_definition(data.get("definition"))
    except ValidationError as exc:
        errors.update({f"definition.{k}": v for k, v in exc.errors.items()})
    if session.scalar(select(Sequence.id).where(Sequence.name == clean["name"])):
        errors["name"] = "A sequence with this name already exists"
    if errors:
        raise ValidationError(errors)
    sequence = Sequence(**clean)
    session.add(sequence)
    session.flush()
    _add_version(session, sequence, dict(data["definition"]))
    return sequence


def _add_version(session: Session, sequence: Sequence, definition: dict[str, Any]) -> SequenceVersion:
    number = (session.scalar(select(func.max(SequenceVersion.number)).where(SequenceVersion.sequence_id == sequence.id)) or 0) + 1
    version = SequenceVersion(sequence_id=sequence.id, number=number, definition=definition)
    session.add(version)
    session.flush()
    sequence.current_version_id = version.id
    return version


def update_sequence(session: Session, sequence: Sequence, data: Mapping[str, Any]) -> SequenceVersion | None:
    """Change name/policy and, when a definition is given, add a new version (never edit one in place)."""
    unknown = set(data) - {"name", "kind", "reenroll", "definition"}
    if unknown:
        raise ValidationError({key[:64]: "Unknown field" for key in map(str, unknown)})
    clean = _validate_header(data, partial=True)
    if "name" in clean and clean["name"] != sequence.name:
        if session.scalar(select(Sequence.id).where(Sequence.name == clean["name"], Sequence.id != sequence.id)):
            raise ValidationError({"name": "A sequence with this name already exists"})
    if "definition" in data:
        try:
            parse_definition(data["definition"])
        except ValidationError as exc:
            raise ValidationError({f"definition.{k}": v for k, v in exc.errors.items()}) from None
    for key, value in clean.items():
        setattr(sequence, key, value)
    if "definition" in data:
        return _add_version(session, sequence, dict(data["definition"]))
    return None


def activate(session: Session, sequence: Sequence, now: datetime) -> None:
    if sequence.status == SequenceStatus.PAUSED:
        resume(session, sequence, now)
    elif sequence.status != SequenceStatus.ACTIVE:
        sequence.entry_event_id = start_checkpoint(session)
    sequence.status = SequenceStatus.ACTIVE


def pause(session: Session, sequence: Sequence, now: datetime) -> int:
    """Hold every active enrollment; returns how many were held."""
    if sequence.status != SequenceStatus.ACTIVE:
        raise ValidationError({"status": f"Only an active sequence can be paused (it is {sequence.status})"})
    sequence.status = SequenceStatus.PAUSED
    sequence.paused_at = now
    result = session.execute(
        update(Enrollment)
        .where(Enrollment.sequence_id == sequence.id, Enrollment.state == EnrollmentState.ACTIVE)
        .values(state=EnrollmentState.PAUSED, paused_at=now)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def resume(session: Session, sequence: Sequence, now: datetime) -> int:
    """Release held enrollments, shifting each by the time it was held: the backlog never bursts."""
    if sequence.status != SequenceStatus.PAUSED:
        raise ValidationError({"status": f"Only a paused sequence can be resumed (it is {sequence.status})"})
    held = 0
    last_id = 0
    while True:  # keyset batches: a large sequence never loads at once
        rows = session.scalars(
            select(Enrollment)
            .where(Enrollment.sequence_id == sequence.id, Enrollment.state == EnrollmentState.PAUSED, Enrollment.id > last_id)
            .order_by(Enrollment.id)
            .limit(1000)
        ).all()
        if not rows:
            break
        for enrollment in rows:
            if enrollment.paused_until is not None and enrollment.paused_until > now:
                continue  # the lead's own pause (out of office …) ends by itself (campaigns/pauses.py)
            # A lead's pause that ended while the sequence was held was shifted up to its end already.
            shift = now - (enrollment.paused_until or enrollment.paused_at or now)
            enrollment.paused_until = enrollment.pause_reason = None
            if enrollment.next_run_at is not None:
                enrollment.next_run_at = enrollment.next_run_at + shift
            enrollment.step_started_at = enrollment.step_started_at + shift
            enrollment.state = EnrollmentState.ACTIVE
            enrollment.paused_at = None
            held += 1
        last_id = rows[-1].id
        session.flush()
    sequence.status = SequenceStatus.ACTIVE
    sequence.paused_at = None
    return held


def archive(session: Session, sequence: Sequence) -> None:
    if session.scalar(
        select(func.count()).select_from(Enrollment).where(
            Enrollment.sequence_id == sequence.id, Enrollment.state.in_([EnrollmentState.ACTIVE, EnrollmentState.PAUSED])
        )
    ):
        raise ValidationError({"status": "The sequence still has live enrollments; pause it or let them finish"})
    sequence.status = SequenceStatus.ARCHIVED
