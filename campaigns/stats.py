"""Per-step and per-state counts of a sequence, from the ledger and events (one grouped query each)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from campaigns.models import Enrollment, EnrollmentState, Send, SendState, SequenceVersion
from nurture.models import EmailEvent

LIVE_STATES = (EnrollmentState.ACTIVE, EnrollmentState.PAUSED)


def enrollment_counts(session: Session, sequence_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Enrollment.state, func.count()).where(Enrollment.sequence_id == sequence_id).group_by(Enrollment.state)
    )
    return {state.value: count for state, count in rows}


def _of_sequence(sequence_id: int):  # type: ignore[no-untyped-def]
    """Sends of a sequence by their version (a 50-row lookup), not through the much larger enrollments table."""
    return Send.version_id.in_(select(SequenceVersion.id).where(SequenceVersion.sequence_id == sequence_id))


def step_stats(session: Session, sequence_id: int) -> dict[str, dict[str, Any]]:
    """{step_id: {state counts…, unique_opens, unique_clicks, machine_…}} across versions."""
    return step_and_variant_stats(session, sequence_id)[0]


def step_and_variant_stats(session: Session, sequence_id: int) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, int]]]]:
    """Both tables from two grouped queries (ledger states; distinct sends per event kind), each index-only."""
    steps: dict[str, dict[str, Any]] = {}
    variants: dict[str, dict[str, dict[str, int]]] = {}
    sends = (
        select(Send.step_id, Send.variant, Send.state, func.count())
        .where(_of_sequence(sequence_id))
        .group_by(Send.step_id, Send.variant, Send.state)
    )
    for step_id, variant, state, count in session.execute(sends):
        step = steps.setdefault(step_id, {})
        step[state.value] = step.get(state.value, 0) + count
        if state == SendState.SENT:
            variants.setdefault(step_id, {}).setdefault(variant or "a", {})["sent"] = count
    events = (
        select(Send.step_id, Send.variant, EmailEvent.kind, EmailEvent.is_machine, func.count(distinct(EmailEvent.send_id)))
        .join(Send, Send.id == EmailEvent.send_id)
        .where(_of_sequence(sequence_id))
        .group_by(Send.step_id, Send.variant, EmailEvent.kind, EmailEvent.is_machine)
    )
    for step_id, variant, kind, machine, count in session.execute(events):
        key = f"machine_{kind}s" if machine else f"unique_{kind}s"
        step = steps.setdefault(step_id, {})
        step[key] = step.get(key, 0) + count  # distinct sends per variant add up: a send has one variant
        if not machine and kind in ("open", "click"):
            variants.setdefault(step_id, {}).setdefault(variant or "a", {})[key] = count
    return steps, variants


def waiting_by_step(session: Session, sequence_id: int) -> dict[str, int]:
    """{step_id: live enrollments (active or paused) whose next step it is}."""
    rows = session.execute(
        select(Enrollment.current_step, func.count())
        .where(Enrollment.sequence_id == sequence_id, Enrollment.state.in_(LIVE_STATES), Enrollment.current_step.is_not(None))
        .group_by(Enrollment.current_step)
    )
    return {step_id: count for step_id, count in rows}


def overview(session: Session) -> dict[int, dict[str, int]]:
    """{sequence_id: {"live", "sent"}} for every sequence at once (two grouped queries, not one per row)."""
    result: dict[int, dict[str, int]] = {}
    live = select(Enrollment.sequence_id, func.count()).where(Enrollment.state.in_(LIVE_STATES)).group_by(Enrollment.sequence_id)
    for sequence_id, count in session.execute(live):
        result.setdefault(sequence_id, {})["live"] = count
    sent = (
        select(SequenceVersion.sequence_id, func.count())
        .join(Send, Send.version_id == SequenceVersion.id)
        .where(Send.state == SendState.SENT)
        .group_by(SequenceVersion.sequence_id)
    )
    for sequence_id, count in session.execute(sent):
        result.setdefault(sequence_id, {})["sent"] = count
    return result
