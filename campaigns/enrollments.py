"""Enrolling leads, and ending enrollments with a reason on the lead's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.cadence_rules import cadence_refusal
from campaigns.live import LIVE
from campaigns.models import Enrollment, EnrollmentState, ReenrollPolicy, Sequence, SequenceKind, SequenceStatus
from campaigns.versions import definition_of
from nurture.errors import ValidationError
from nurture.leads.timeline import event_row, record_event
from nurture.models import Lead, Suppression, Task, User

ALREADY_ENROLLED = "Already enrolled in this sequence"
ALREADY_FINISHED = "Already went through this sequence (re-enrollment is off)"


def refusal(session: Session, sequence: Sequence, lead: Lead, actor: User | None = None) -> str | None:
    """Why ``lead`` cannot be enrolled in ``sequence`` now (by ``actor``; None: the system), or None."""
    if sequence.status != SequenceStatus.ACTIVE:
        return f"The sequence is {sequence.status.value}, not active"
    if sequence.current_version_id is None:
        return "The sequence has no version"
    suppression = session.scalar(select(Suppression).where(Suppression.email == lead.email))
    if suppression is not None:
        return f"The address is suppressed ({suppression.reason.replace('_', ' ')})"
    previous = session.scalars(
        select(Enrollment.state).where(Enrollment.lead_id == lead.id, Enrollment.sequence_id == sequence.id)
    ).all()
    if any(state in LIVE for state in previous):
        return ALREADY_ENROLLED
    if previous and sequence.reenroll == ReenrollPolicy.NEVER:
        return ALREADY_FINISHED
    return cadence_refusal(session, sequence, lead, actor)


def enroll(
    session: Session, sequence: Sequence, lead: Lead, *, now: datetime, by: str, actor: User | None = None
) -> Enrollment:
    reason = refusal(session, sequence, lead, actor)
    if reason:
        raise ValidationError({"lead_id": reason})
    definition = definition_of(session, sequence.current_version_id)  # type: ignore[arg-type]
    enrollment = Enrollment(
        lead_id=lead.id,
        sequence_id=sequence.id,
        version_id=sequence.current_version_id,
        current_step=definition.first_step,
        step_started_at=now,
        next_run_at=now,
        enrolled_by=by[:200],
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError:  # a concurrent enroll won
        raise ValidationError({"lead_id": ALREADY_ENROLLED}) from None
    record_event(session, lead, "enrolled", f"Enrolled in '{sequence.name}' by {by}", {"sequence_id": sequence.id})
    return enrollment


def finish(
    session: Session,
    enrollment: Enrollment,
    lead: Lead,
    state: EnrollmentState,
    reason: str,
    now: datetime,
    events: list[dict[str, Any]] | None = None,
) -> None:
    """Complete or exit an enrollment; the reason goes on the lead's timeline (or into ``events``,
    a batch's rows written later with one Core insert)."""
    enrollment.state = state
    enrollment.exit_reason = reason[:200]
    enrollment.finished_at = now
    enrollment.next_run_at = None
    enrollment.claim_token = None
    enrollment.current_step = None
    kind = "sequence_completed" if state == EnrollmentState.COMPLETED else "sequence_exited"
    data = {"sequence_id": enrollment.sequence_id, "enrollment_id": enrollment.id}
    if state == EnrollmentState.EXITED:
        data["tasks_cancelled"] = cancel_open_tasks(session, enrollment, reason, now)
    if events is None:
        record_event(session, lead, kind, reason, data)
    else:
        events.append(event_row(lead, kind, reason, data, now))


def cancel_open_tasks(session: Session, enrollment: Enrollment, reason: str, now: datetime) -> int:
    """A stopped cadence takes its open tasks with it (a lead who replied gets no scripted call or draft);
    a cadence that completed leaves them, since its last step may have been the rep's task."""
    result = session.execute(
        update(Task)
        .where(Task.enrollment_id == enrollment.id, Task.completed_at.is_(None))
        .values(completed_at=now, outcome=f"cancelled: {reason}"[:200])
        .execution_options(synchronize_session="evaluate")  # no extra SELECT: the criteria evaluate in Python
    )
    return result.rowcount or 0


def exit_live_enrollments(session: Session, lead: Lead, reason: str, now: datetime) -> int:
    """End every live enrollment of a lead (unsubscribe, bounce, handoff)."""
    rows = session.scalars(select(Enrollment).where(Enrollment.lead_id == lead.id, Enrollment.state.in_(LIVE))).all()
    for enrollment in rows:
        finish(session, enrollment, lead, EnrollmentState.EXITED, reason, now)
    return len(rows)


def exit_live_of_kind(session: Session, lead: Lead, kind: SequenceKind, reason: str, now: datetime) -> int:
    """End a lead's live enrollments in sequences of one kind (nurture at a handoff, cadences at qualification)."""
    rows = session.scalars(
        select(Enrollment)
        .join(Sequence, Sequence.id == Enrollment.sequence_id)
        .where(Enrollment.lead_id == lead.id, Enrollment.state.in_(LIVE), Sequence.kind == kind)
    ).all()
    for enrollment in rows:
        finish(session, enrollment, lead, EnrollmentState.EXITED, reason, now)
    return len(rows)


def enroll_named(
    session: Session, name: str, lead: Lead, *, now: datetime, why: str, skipped_kind: str, kind: SequenceKind | None = None
) -> Enrollment | None:
    """Enroll in a configured sequence named ``name``; a refusal (missing, suppressed, already enrolled …) is a
    ``skipped_kind`` timeline event instead, so a misconfiguration is visible on the lead."""
    query = select(Sequence).where(Sequence.name == name)
    if kind is not None:
        query = query.where(Sequence.kind == kind)
    sequence = session.scalar(query)
    problem = f"no such {kind.value if kind else 'sequence'}" if sequence is None else refusal(session, sequence, lead)
    if problem or sequence is None:
        record_event(session, lead, skipped_kind, f"{why}: not enrolled in '{name}' ({problem})", {})
        return None
    return enroll(session, sequence, lead, now=now, by=why)
