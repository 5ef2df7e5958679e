"""Running claimed enrollments through their steps: the engine's step loop.

Each enrollment moves through steps until it must wait (a delay, a closed send
window, a deferral) or ends. Every step runs "now" and the next one is planned
from then, so a late step shifts the rest rather than bunching them up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.actions import run_action
from campaigns.calendars import calendar_for
from campaigns.claiming import Claim
from campaigns.conditions import condition_holds, goal_reached
from campaigns.delivery import deliver_email_step
from campaigns.enrollments import finish
from campaigns.models import Enrollment, EnrollmentState, Sequence, SequenceKind
from campaigns.planner import add_delay, next_opening
from campaigns.steps import END, ActionStep, BranchStep, EmailStep, WaitStep
from campaigns.versions import definition_of
from nurture.config import Settings
from nurture.db.base import utcnow
from nurture.mail.tokens import TokenSigner
from nurture.mail.transport import Transport
from nurture.models import Lead, Suppression

MAX_TRANSITIONS = 200  # a definition that loops without waiting is stopped, not spun forever


def _schedule(enrollment: Enrollment, at: datetime) -> None:
    enrollment.next_run_at = at
    enrollment.claim_token = None


def _move(enrollment: Enrollment, step_id: str | None, at: datetime) -> None:
    enrollment.current_step = None if step_id == END else step_id
    enrollment.step_started_at = at


def run_enrollment(
    session: Session,
    settings: Settings,
    enrollment: Enrollment,
    now: datetime,
    transport: Transport,
    signer: TokenSigner,
) -> str:
    """Advance one claimed enrollment as far as it can go now; returns what happened."""
    lead = session.get(Lead, enrollment.lead_id)
    if lead is None:
        return "gone"
    suppressed = session.scalar(select(Suppression.reason).where(Suppression.email == lead.email))
    if suppressed:
        finish(session, enrollment, lead, EnrollmentState.EXITED, f"Address suppressed ({suppressed})", now)
        return "exited"
    definition = definition_of(session, enrollment.version_id)
    if (goal := goal_reached(session, enrollment, lead, definition.goals)) is not None:
        finish(session, enrollment, lead, EnrollmentState.COMPLETED, goal, now)
        return "completed"
    sequence = session.get(Sequence, enrollment.sequence_id)
    marketing = sequence is None or sequence.kind == SequenceKind.NURTURE
    cal = calendar_for(lead, settings.default_timezone)

    for _ in range(MAX_TRANSITIONS):
        if enrollment.current_step is None:
            finish(session, enrollment, lead, EnrollmentState.COMPLETED, "Reached the end of the sequence", now)
            return "completed"
        step = definition.step(enrollment.current_step)
        if isinstance(step, WaitStep):
            due = add_delay(enrollment.step_started_at, step.delay, cal)
            if due > now:
                _schedule(enrollment, due)
                return "waiting"
            _move(enrollment, definition.following(step), now)
        elif isinstance(step, EmailStep):
            opening = next_opening(enrollment.step_started_at, definition.window, cal)
            if opening > now:
                _schedule(enrollment, opening)
                return "waiting"
            outcome = deliver_email_step(
                session, settings, enrollment, lead, definition, step, now, transport, signer, marketing=marketing
            )
            if outcome.action == "exit":
                finish(session, enrollment, lead, EnrollmentState.EXITED, outcome.reason, now)
                return "exited"
            if outcome.action == "wait":
                assert outcome.until is not None
                _schedule(enrollment, next_opening(outcome.until, definition.window, cal))
                return "deferred"
            _move(enrollment, definition.following(step), now)
        elif isinstance(step, BranchStep):
            target = step.then if condition_holds(session, enrollment, lead, step.condition) else step.otherwise
            _move(enrollment, target, now)
        elif isinstance(step, ActionStep):
            exit_reason = run_action(session, settings, enrollment, lead, step, now)
            if exit_reason is not None or enrollment.state != EnrollmentState.ACTIVE:
                if enrollment.state == EnrollmentState.ACTIVE:
                    finish(session, enrollment, lead, EnrollmentState.EXITED, exit_reason or "Exited", now)
                return "exited"
            _move(enrollment, definition.following(step), now)
    finish(session, enrollment, lead, EnrollmentState.EXITED, "Stopped: the steps loop without waiting", now)
    return "exited"


def run_claim(
    session: Session,
    settings: Settings,
    claim: Claim,
    transport: Transport,
    *,
    clock: Callable[[], datetime] = utcnow,
    signer: TokenSigner | None = None,
) -> Counter[str]:
    """Run every enrollment of a claim that is still ours; commit after each one."""
    signer = signer or TokenSigner(settings.secret_key)
    results: Counter[str] = Counter()
    for enrollment_id in claim.enrollment_ids:
        enrollment = session.get(Enrollment, enrollment_id, populate_existing=True)
        if enrollment is None or enrollment.claim_token != claim.token or enrollment.state != EnrollmentState.ACTIVE:
            results["not ours"] += 1  # re-claimed after our lease ran out, paused, or finished meanwhile
            continue
        try:
            results[run_enrollment(session, settings, enrollment, clock(), transport, signer)] += 1
            session.commit()
        except Exception:
            session.rollback()
            raise
    return results
