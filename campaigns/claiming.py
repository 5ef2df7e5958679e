"""Claiming due enrollments in batches, so many schedulers and workers can share the work.

A claim pushes ``next_run_at`` forward by the lease and stamps a token: the
claimed rows leave the due set at once, and if the worker holding them dies
they simply become due again when the lease runs out. On PostgreSQL, rows are
locked with ``FOR UPDATE SKIP LOCKED``; SQLite serializes writers, so one
conditional UPDATE … RETURNING is enough there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from campaigns.models import Enrollment, EnrollmentState
from campaigns.pauses import wake_due
from nurture.db.bulk import one_of


@dataclass(frozen=True)
class Claim:
    token: str
    enrollment_ids: list[int]


def _due(now: datetime, limit: int):  # type: ignore[no-untyped-def]
    return (
        select(Enrollment.id)
        .where(Enrollment.state == EnrollmentState.ACTIVE, Enrollment.next_run_at <= now)
        .order_by(Enrollment.next_run_at)
        .limit(limit)
    )


def claim_due(session: Session, now: datetime, limit: int, lease_seconds: float, *, wake: bool = True) -> Claim:
    """Claim up to ``limit`` due enrollments and commit; returns the token and ids (maybe none).
    ``wake=False``: the caller already woke the pauses that ended (a tick claiming batch after batch)."""
    if wake:
        wake_due(session, now)  # pauses that ended (out of office, rep away) are due again from now
    token = secrets.token_hex(8)
    lease_until = now + timedelta(seconds=lease_seconds)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(_due(now, limit).with_for_update(skip_locked=True)))
        if ids:
            session.execute(
                update(Enrollment).where(one_of(session, Enrollment.id, ids)).values(next_run_at=lease_until, claim_token=token)
            )
    else:
        ids = list(
            session.scalars(
                update(Enrollment)
                .where(Enrollment.id.in_(_due(now, limit).scalar_subquery()))
                .values(next_run_at=lease_until, claim_token=token)
                .returning(Enrollment.id)
            )
        )
    session.commit()
    return Claim(token, sorted(ids))


def still_claimed(session: Session, token: str, enrollment_ids: list[int]) -> set[int]:
    """Which of a batch's enrollments are still active under its claim (a stop or pause clears it)."""
    if not enrollment_ids:
        return set()
    return set(session.scalars(select(Enrollment.id).where(
        one_of(session, Enrollment.id, enrollment_ids), Enrollment.claim_token == token, Enrollment.state == EnrollmentState.ACTIVE)))  # fmt: skip


def explain_due_query(session: Session, now: datetime, limit: int) -> str:
    """The database's plan for the poll (the benchmark shows it uses the partial index)."""
    compiled = _due(now, limit).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if session.get_bind().dialect.name == "sqlite" else "EXPLAIN "
    return "\n".join(str(row[-1]) for row in session.execute(text(prefix + str(compiled))))
