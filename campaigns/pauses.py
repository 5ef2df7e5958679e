"""Pausing one lead's cadence enrollments until a time (out of office, a rep away), and waking them then.

A pause with an end shifts the enrollment's steps by its length when it begins
(like a sequence resumed after a pause): when it wakes, the step it waited on
continues where it was and later steps follow at their usual distance, so
nothing bursts. Waking is a state change only, made by the scheduler's claim
(``wake_due``), so no separate cron is needed. A send already claimed in a batch
is not sent while paused: the ledger's claim sees the enrollment is not active.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from campaigns.live import LIVE, live_cadences
from campaigns.models import Enrollment, EnrollmentState, Sequence, SequenceStatus
from nurture.leads.timeline import record_event
from nurture.models import Lead, LeadEvent


def pause_until(session: Session, enrollment: Enrollment, lead: Lead, until: datetime, reason: str, now: datetime) -> bool:
    """Hold one live enrollment until ``until``; a later end extends a pause, an earlier one is ignored.
    A sequence-wide pause (no end) is left alone. True when the enrollment was paused or extended."""
    if until <= now or enrollment.state not in LIVE:
        return False
    if enrollment.state == EnrollmentState.PAUSED:
        if enrollment.paused_until is None or enrollment.paused_until >= until:
            return False
        shift = until - enrollment.paused_until
    else:
        shift = until - now
        enrollment.paused_at = now
    enrollment.state = EnrollmentState.PAUSED
    enrollment.step_started_at = enrollment.step_started_at + shift
    enrollment.next_run_at = until
    enrollment.claim_token = None  # a batch holding it must not write it back (batch_writes)
    enrollment.paused_until = until
    enrollment.pause_reason = reason[:200]
    record_event(session, lead, "cadence_paused", f"{reason}: cadence paused until {until:%Y-%m-%d %H:%M} UTC",
                 {"enrollment_id": enrollment.id, "sequence_id": enrollment.sequence_id, "until": until})  # fmt: skip
    return True


def pause_leads(session: Session, leads: list[Lead], until: datetime, reason: str, now: datetime) -> int:
    """Pause the live cadence enrollments of ``leads``; returns how many were paused or extended."""
    by_id = {lead.id: lead for lead in leads}
    return sum(
        pause_until(session, enrollment, by_id[enrollment.lead_id], until, reason, now)
        for enrollment in live_cadences(session, list(by_id))
    )


def resume_early(session: Session, enrollment: Enrollment, lead: Lead, reason: str, now: datetime) -> bool:
    """End a pause with an end before its time: the shift not yet served is taken back."""
    if enrollment.state != EnrollmentState.PAUSED or enrollment.paused_until is None:
        return False
    if enrollment.paused_until > now:
        enrollment.step_started_at = enrollment.step_started_at - (enrollment.paused_until - now)
    _activate(enrollment, now)
    record_event(session, lead, "cadence_resumed", reason, {"enrollment_id": enrollment.id, "sequence_id": enrollment.sequence_id})
    return True


def _activate(enrollment: Enrollment, now: datetime) -> None:
    enrollment.state = EnrollmentState.ACTIVE
    enrollment.next_run_at = now
    enrollment.paused_at = enrollment.paused_until = enrollment.pause_reason = None


def wake_due(session: Session, now: datetime) -> int:
    """Make every pause that has ended active again (its steps were shifted when it began), with a
    ``cadence_resumed`` event each; the caller commits. One conditional UPDATE: concurrent
    schedulers wake each row once. A pause inside a paused sequence waits for the sequence."""
    woken = session.execute(
        update(Enrollment)
        .where(
            Enrollment.state == EnrollmentState.PAUSED,
            Enrollment.paused_until <= now,
            Enrollment.sequence_id.in_(select(Sequence.id).where(Sequence.status == SequenceStatus.ACTIVE)),
        )
        .values(state=EnrollmentState.ACTIVE, next_run_at=now, paused_at=None, paused_until=None, pause_reason=None)
        .returning(Enrollment.id, Enrollment.lead_id, Enrollment.sequence_id)
        .execution_options(synchronize_session=False)
    ).all()
    if woken:
        rows = [
            {"lead_id": lead_id, "kind": "cadence_resumed", "reason": "Pause over: the cadence continues",
             "data": {"enrollment_id": enrollment_id, "sequence_id": sequence_id}, "created_at": now}
            for enrollment_id, lead_id, sequence_id in woken
        ]  # fmt: skip
        session.execute(insert(LeadEvent.__table__), rows)
    return len(woken)


def out_of_office(session: Session, lead: Lead, return_on: date | None, pause_days: float, now: datetime) -> int:
    """Hold the lead's live cadences until the return date read from its auto-reply (from the start of
    that day, UTC; the send window then picks the hour), or ``pause_days`` when it gave none."""
    if return_on is not None:
        until, why = datetime.combine(return_on, time(0), tzinfo=UTC), f"Out of office until {return_on.isoformat()}"
    else:
        until, why = now + timedelta(days=pause_days), f"Out of office (no return date: {pause_days:g} days)"
    return pause_leads(session, [lead], until, why, now)
