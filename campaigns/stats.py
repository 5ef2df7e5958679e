"""Per-step and per-state counts of a sequence, from the ledger and events (one grouped query each)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from nurture.models import EmailEvent

LIVE_STATES = (EnrollmentState.ACTIVE, EnrollmentState.PAUSED)


def enrollment_counts(session: Session, sequence_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Enrollment.state, func.count()).where(Enrollment.sequence_id == sequence_id).group_by(Enrollment.state)
    )
    return {state.value: count for state, count in rows}


def step_stats(session: Session, sequence_id: int) -> dict[str, dict[str, Any]]:
    """{step_id: {state counts…, unique_opens, unique_clicks, machine_events}} across versions."""
    stats: dict[str, dict[str, Any]] = {}
    sends = (
        select(Send.step_id, Send.state, func.count())
        .join(Enrollment, Enrollment.id == Send.enrollment_id)
        .where(Enrollment.sequence_id == sequence_id)
        .group_by(Send.step_id, Send.state)
    )
    for step_id, state, count in session.execute(sends):
        stats.setdefault(step_id, {})[state.value] = count
    events = (
        select(Send.step_id, EmailEvent.kind, EmailEvent.is_machine, func.count(distinct(EmailEvent.send_id)))
        .join(Send, Send.id == EmailEvent.send_id)
        .join(Enrollment, Enrollment.id == Send.enrollment_id)
        .where(Enrollment.sequence_id == sequence_id)
        .group_by(Send.step_id, EmailEvent.kind, EmailEvent.is_machine)
    )
    for step_id, kind, machine, count in session.execute(events):
        key = f"machine_{kind}s" if machine else f"unique_{kind}s"
        stats.setdefault(step_id, {})[key] = count
    return stats


def waiting_by_step(session: Session, sequence_id: int) -> dict[str, int]:
    """{step_id: live enrollments (active or paused) whose next step it is}."""
    rows = session.execute(
        select(Enrollment.current_step, func.count())
        .where(Enrollment.sequence_id == sequence_id, Enrollment.state.in_(LIVE_STATES), Enrollment.current_step.is_not(None))
        .group_by(Enrollment.current_step)
    )
    return {step_id: count for step_id, count in rows}


def variant_stats(session: Session, sequence_id: int) -> dict[str, dict[str, dict[str, int]]]:
    """{step_id: {variant: {"sent", "unique_opens", "unique_clicks"}}} for A/B comparisons (human events only)."""
    stats: dict[str, dict[str, dict[str, int]]] = {}
    sent = (
        select(Send.step_id, Send.variant, func.count())
        .join(Enrollment, Enrollment.id == Send.enrollment_id)
        .where(Enrollment.sequence_id == sequence_id, Send.state == SendState.SENT)
        .group_by(Send.step_id, Send.variant)
    )
    for step_id, variant, count in session.execute(sent):
        stats.setdefault(step_id, {}).setdefault(variant or "a", {})["sent"] = count
    engaged = (
        select(Send.step_id, Send.variant, EmailEvent.kind, func.count(distinct(EmailEvent.send_id)))
        .join(Send, Send.id == EmailEvent.send_id)
        .join(Enrollment, Enrollment.id == Send.enrollment_id)
        .where(Enrollment.sequence_id == sequence_id, EmailEvent.is_machine.is_(False), EmailEvent.kind.in_(("open", "click")))
        .group_by(Send.step_id, Send.variant, EmailEvent.kind)
    )
    for step_id, variant, kind, count in session.execute(engaged):
        stats.setdefault(step_id, {}).setdefault(variant or "a", {})[f"unique_{kind}s"] = count
    return stats


def overview(session: Session) -> dict[int, dict[str, int]]:
    """{sequence_id: {"live", "sent"}} for every sequence at once (two grouped queries, not one per row)."""
    result: dict[int, dict[str, int]] = {}
    live = select(Enrollment.sequence_id, func.count()).where(Enrollment.state.in_(LIVE_STATES)).group_by(Enrollment.sequence_id)
    for sequence_id, count in session.execute(live):
        result.setdefault(sequence_id, {})["live"] = count
    sent = (
        select(Enrollment.sequence_id, func.count())
        .join(Send, Send.enrollment_id == Enrollment.id)
        .where(Send.state == SendState.SENT)
        .group_by(Enrollment.sequence_id)
    )
    for sequence_id, count in session.execute(sent):
        result.setdefault(sequence_id, {})["sent"] = count
    return result
