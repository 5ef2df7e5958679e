"""Per-step and per-state counts of a sequence, from the ledger and events (one grouped query each)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from campaigns.models import Enrollment, Send
from nurture.models import EmailEvent


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
