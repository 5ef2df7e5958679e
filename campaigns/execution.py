"""Running claimed enrollments through their steps: the engine's step loop, a batch at a time.

Each enrollment moves through steps until it must wait (a delay, a closed send
window, a deferral), ends, or reaches an email that is due. Due emails of the
whole batch are then sent with one ledger insert and one commit per message,
and their enrollments move on. Every step runs "now" and the next one is
planned from then, so a late step shifts the rest rather than bunching them up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, configure_mappers, joinedload

from campaigns.actions import run_action
from campaigns.batch_writes import write_enrollments, write_events
from campaigns.cadence_tasks import RECHECK, create_step_task, latest_completion, open_previous_task
from campaigns.calendars import calendar_for, calendar_in
from campaigns.claiming import Claim, still_claimed
from campaigns.conditions import condition_holds, goal_reached
from campaigns.delivery import BatchDelivery, DueEmail, FrequencyCap, Outcome, ensure_sends
from campaigns.enrollments import finish
from campaigns.identity import mailboxes_of
from campaigns.models import Enrollment, EnrollmentState, Sequence, SequenceKind, SequenceStatus
from campaigns.planner import Calendar, add_delay, next_opening
from campaigns.ratelimit import RateLimiter
from campaigns.steps import END, ActionStep, BranchStep, EmailStep, SequenceDefinition, TaskStep, WaitStep
from campaigns.versions import compiled_variant, definition_of
from nurture.config import Settings
from nurture.db.base import utcnow
from nurture.db.bulk import one_of
from nurture.db.engine import begin_reading
from nurture.mail.tokens import TokenSigner
from nurture.mail.topics import opted_out_pairs
from nurture.mail.transport import Transport
from nurture.models import Lead, Suppression

MAX_TRANSITIONS = 200
WARM_SEQUENCES = 50  # the most recently changed active sequences a worker prepares as it starts (warm_up)  # a definition that loops without waiting is stopped, not spun forever


def _schedule(enrollment: Enrollment, at: datetime) -> None:
    enrollment.next_run_at = at
    enrollment.claim_token = None


def _move(enrollment: Enrollment, step_id: str | None, at: datetime) -> None:
    enrollment.current_step = None if step_id == END else step_id
    enrollment.step_started_at = at


@dataclass
class Batch:
    session: Session
    settings: Settings
    now: datetime
    suppressed: dict[str, str]
    marketing: dict[int, bool]
    definitions: dict[int, SequenceDefinition] = field(default_factory=dict)
    opted_out: set[tuple[str, str]] = field(default_factory=set)  # (email, topic), read with the suppressions
    events: list[dict[str, Any]] = field(default_factory=list)  # timeline rows (batch_writes.write_events)

    rep_timezones: dict[int, str | None] = field(default_factory=dict)  # owner id → mailbox timezone

    def calendar(self, definition: SequenceDefinition, lead: Lead) -> Calendar:
        """The lead's calendar, or with ``window_timezone: rep`` the owner's mailbox timezone (holidays stay the lead's)."""
        default = definition.timezone or self.settings.default_timezone
        if definition.window_timezone != "rep" or lead.owner_user_id is None:
            return calendar_for(lead, default)
        if lead.owner_user_id not in self.rep_timezones:
            mailbox = mailboxes_of(self.session, [lead.owner_user_id]).get(lead.owner_user_id)
            self.rep_timezones[lead.owner_user_id] = mailbox.timezone if mailbox else None
        return calendar_in(self.rep_timezones[lead.owner_user_id], lead, default)

    def definition(self, version_id: int) -> SequenceDefinition:
        if version_id not in self.definitions:
            self.definitions[version_id] = definition_of(self.session, version_id)
        return self.definitions[version_id]


def _finish(batch: Batch, enrollment: Enrollment, lead: Lead, state: EnrollmentState, reason: str) -> None:
    """End the enrollment; its timeline event waits in the batch for one Core insert."""
    finish(batch.session, enrollment, lead, state, reason, batch.now, batch.events)


def _walk(batch: Batch, enrollment: Enrollment, lead: Lead, *, after_send: Outcome | None = None) -> DueEmail | str:
    """Advance until the enrollment waits or ends (a result word), or an email is due (a DueEmail)."""
    session, now = batch.session, batch.now
    definition = batch.definition(enrollment.version_id)
    cal = batch.calendar(definition, lead)
    if after_send is not None:
        step = definition.step(enrollment.current_step)  # type: ignore[arg-type]
        if after_send.action == "exit":
            _finish(batch, enrollment, lead, EnrollmentState.EXITED, after_send.reason)
            return "exited"
        if after_send.action == "wait":
            assert after_send.until is not None
            _schedule(enrollment, next_opening(after_send.until, definition.window, cal))
            return "deferred"
        _move(enrollment, definition.following(step), now)
    else:
        if lead.email in batch.suppressed:
            _finish(batch, enrollment, lead, EnrollmentState.EXITED, f"Address suppressed ({batch.suppressed[lead.email]})")
            return "exited"
        if definition.topic and (lead.email, definition.topic) in batch.opted_out:
            _finish(batch, enrollment, lead, EnrollmentState.EXITED, f"Opted out of '{definition.topic}' emails")
            return "exited"
        if definition.goals and (goal := goal_reached(session, enrollment, lead, definition.goals)) is not None:
            _finish(batch, enrollment, lead, EnrollmentState.COMPLETED, goal)
            return "completed"

    for _ in range(MAX_TRANSITIONS):
        if enrollment.current_step is None:
            _finish(batch, enrollment, lead, EnrollmentState.COMPLETED, "Reached the end of the sequence")
            return "completed"
        step = definition.step(enrollment.current_step)
        if isinstance(step, WaitStep):
            due = add_delay(enrollment.step_started_at, step.delay, cal)
            if due > now:
                _schedule(enrollment, due)
                return "waiting"
            _move(enrollment, definition.following(step), now)
        elif isinstance(step, EmailStep | TaskStep) and step.wait_for_previous_task and _held(batch, enrollment):
            return "waiting"
        elif isinstance(step, TaskStep):
            opening = next_opening(enrollment.step_started_at, definition.window, cal)
            if opening > now:
                _schedule(enrollment, opening)
                return "waiting"
            create_step_task(session, batch.settings, enrollment, lead, definition, step, now, batch.events)
            _move(enrollment, definition.following(step), now)
        elif isinstance(step, EmailStep):
            opening = next_opening(enrollment.step_started_at, definition.window, cal)
            if opening > now:
                _schedule(enrollment, opening)
                return "waiting"
            if after_send is not None:  # one email per enrollment per batch; the next is claimed again at once
                _schedule(enrollment, now)
                return "sent"
            return DueEmail(enrollment, lead, definition, step, batch.marketing.get(enrollment.sequence_id, True))
        elif isinstance(step, BranchStep):
            target = step.then if condition_holds(session, enrollment, lead, step.condition) else step.otherwise
            _move(enrollment, target, now)
        elif isinstance(step, ActionStep):
            exit_reason = run_action(session, batch.settings, enrollment, lead, step, now)
            if exit_reason is not None or enrollment.state != EnrollmentState.ACTIVE:
                if enrollment.state == EnrollmentState.ACTIVE:
                    _finish(batch, enrollment, lead, EnrollmentState.EXITED, exit_reason or "Exited")
                return "exited"
            _move(enrollment, definition.following(step), now)
    _finish(batch, enrollment, lead, EnrollmentState.EXITED, "Stopped: the steps loop without waiting")
    return "exited"


def _held(batch: Batch, enrollment: Enrollment) -> bool:
    """Waiting for the latest task to be done? Once it is, the step is planned from its completion."""
    if open_previous_task(batch.session, enrollment) is not None:
        _schedule(enrollment, batch.now + RECHECK)
        return True
    done = latest_completion(batch.session, enrollment)
    if done is not None and done > enrollment.step_started_at:
        enrollment.step_started_at = min(done, batch.now)
    return False


def _claimed_enrollments(session: Session, claim: Claim) -> list[Enrollment]:
    """The claim's enrollments as they are now (whoever holds them)."""
    query = select(Enrollment).where(one_of(session, Enrollment.id, claim.enrollment_ids)).order_by(Enrollment.id)
    return list(session.scalars(query, execution_options={"populate_existing": True}))


def _read_batch(session: Session, settings: Settings, ours: list[Enrollment], now: datetime) -> tuple[dict[int, Lead], Batch]:
    """The leads of the enrollments, and the batch: what it knows of their addresses and sequences."""
    lead_ids = {e.lead_id for e in ours}
    query = select(Lead).options(joinedload(Lead.company)).where(one_of(session, Lead.id, lead_ids))
    leads = {lead.id: lead for lead in session.scalars(query).unique()}
    emails = [lead.email for lead in leads.values()]
    suppressed = select(Suppression.email, Suppression.reason).where(one_of(session, Suppression.email, emails))
    sequences = select(Sequence).where(Sequence.id.in_({e.sequence_id for e in ours}))
    batch = Batch(
        session,
        settings,
        now,
        dict(session.execute(suppressed).all()),
        {s.id: s.kind == SequenceKind.NURTURE for s in session.scalars(sequences)},
    )
    batch.opted_out = opted_out_pairs(session, emails)
    return leads, batch


def warm_up(session: Session, settings: Settings) -> None:
    """Before the first batch: configure the ORM, compile the statements every batch reads with, and
    parse the active sequences' definitions and compile their emails. Inside the first batch they
    cost it ~150 ms (measured), before its first email."""
    configure_mappers()
    begin_reading(session)
    _read_batch(session, settings, _claimed_enrollments(session, Claim("", [])), utcnow())
    active = select(Sequence.current_version_id).where(Sequence.status == SequenceStatus.ACTIVE)
    for version_id in session.scalars(active.order_by(Sequence.updated_at.desc()).limit(WARM_SEQUENCES)):
        if version_id is not None:
            definition = definition_of(session, version_id)
            for step in definition.steps:
                for variant in getattr(step, "variants", ()):
                    compiled_variant(definition, variant)
    session.commit()


def run_claim(
    session: Session,
    settings: Settings,
    claim: Claim,
    transport: Transport,
    *,
    clock: Callable[[], datetime] = utcnow,
    signer: TokenSigner | None = None,
    limiter: RateLimiter | None = None,
) -> Counter[str]:
    """Run every enrollment of a claim that is still ours, send what is due, and commit."""
    results: Counter[str] = Counter()
    # The loads run as a reader (on SQLite they held the writer lock that other workers' per-message
    # claims wait for); the walk's writes then begin a transaction of their own, as on PostgreSQL,
    # where the loads lock nothing either.
    begin_reading(session)
    enrollments = _claimed_enrollments(session, claim)
    ours = [e for e in enrollments if e.claim_token == claim.token and e.state == EnrollmentState.ACTIVE]
    results["not ours"] += len(claim.enrollment_ids) - len(ours)  # re-claimed after our lease, paused, or finished
    if not ours:
        session.commit()
        return results
    leads, batch = _read_batch(session, settings, ours, clock())
    session.commit()  # the end of the reads
    due: list[DueEmail] = []
    for enrollment in ours:
        lead = leads.get(enrollment.lead_id)
        if lead is None:
            results["gone"] += 1
            continue
        result = _walk(batch, enrollment, lead)
        if isinstance(result, DueEmail):
            due.append(result)
        else:
            results[result] += 1
    write_events(session, batch.events)
    session.commit()
    if due:
        ensure_sends(session, due)
        delivery = BatchDelivery(session, settings, transport, signer or TokenSigner(settings.secret_key), batch.now, limiter)
        begin_reading(session)
        cap = FrequencyCap.load(session, settings.frequency_cap_per_day, [d.lead.id for d in due if d.marketing], batch.now)
        delivery.load_owners(due)
        session.commit()  # the ledger writes on its own connection from here on
        delivery.prewrite_headers(due)
        outcomes: list[tuple[DueEmail, Outcome]] = []
        try:
            # Enrollments move on after the whole batch is sent: each per-message commit then
            # carries only ledger rows, and the enrollments are written once, at the end.
            while len(outcomes) < len(due):
                chunk = delivery.build_ahead(due[len(outcomes) :])
                for item, then in zip(chunk, [*chunk[1:], None], strict=True):
                    outcomes.append((item, delivery.deliver(item, cap, then)))
        finally:
            delivery.flush()  # outcomes are durable before the enrollments move past them
            # A reply, stop or pause committed during the sends cleared the claim: those stay as they are now.
            begin_reading(session)
            held = still_claimed(session, claim.token, [item.enrollment.id for item, _ in outcomes])
            session.commit()  # the walk's writes begin anew (write_enrollments re-checks the claim)
            moved = [(item, outcome) for item, outcome in outcomes if item.enrollment.id in held]
            results["stopped meanwhile"] += len(outcomes) - len(moved)
            for item, outcome in moved:
                results[_walk(batch, item.enrollment, item.lead, after_send=outcome)] += 1
            write_enrollments(session, [item.enrollment for item, _ in moved], claim.token)
            write_events(session, delivery.events + batch.events)
            session.commit()
    return results
