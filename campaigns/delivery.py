"""Sending one email step exactly once, through the ledger.

pending ──claim (one conditional UPDATE that also checks the suppression list)──► sending
  (committed after the server accepted MAIL and RCPT, right before DATA)
sending ──250──► sent · 5xx──► bounced (address suppressed) · 4xx / connection──► deferred (backoff)
sending, lease expired ──► unknown: maybe delivered (RFC 1047), surfaced, never resent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.faults import fault_point
from campaigns.messages import build_envelope, choose_variant, message_id_for
from campaigns.models import Enrollment, Send, SendState
from campaigns.steps import EmailStep, SequenceDefinition
from nurture.config import Settings
from nurture.leads.timeline import record_event
from nurture.mail.suppression import suppress
from nurture.mail.tokens import TokenSigner
from nurture.mail.transport import Transport
from nurture.models import EmailEvent, Lead, Suppression, User


@dataclass(frozen=True)
class Outcome:
    """What the step loop does next: advance, wait until a time, or exit with a reason."""

    action: str  # advance, wait, exit
    until: datetime | None = None
    reason: str = ""


ADVANCE = Outcome("advance")


def ensure_send(session: Session, enrollment: Enrollment, lead: Lead, step: EmailStep) -> Send:
    query = select(Send).where(
        Send.enrollment_id == enrollment.id, Send.version_id == enrollment.version_id, Send.step_id == step.id
    )
    send = session.scalar(query)
    if send is not None:
        return send
    variant = choose_variant(step, enrollment.id)
    try:
        with session.begin_nested():
            send = Send(
                enrollment_id=enrollment.id,
                version_id=enrollment.version_id,
                step_id=step.id,
                variant=variant.id,
                lead_id=lead.id,
                rcpt_to=lead.email,
            )
            session.add(send)
    except IntegrityError:  # a concurrent (duplicate) job created it: use theirs
        send = session.scalars(query).one()
    return send


def _frequency_cap_until(session: Session, settings: Settings, lead: Lead, now: datetime) -> datetime | None:
    if settings.frequency_cap_per_day <= 0:
        return None
    since = now - timedelta(days=1)
    recent = session.scalars(
        select(Send.sent_at)
        .where(Send.lead_id == lead.id, Send.state == SendState.SENT, Send.sent_at > since)
        .order_by(Send.sent_at)
    ).all()
    if len(recent) < settings.frequency_cap_per_day:
        return None
    return recent[len(recent) - settings.frequency_cap_per_day] + timedelta(days=1)


def _claim(session: Session, settings: Settings, send: Send, now: datetime) -> bool:
    """pending/deferred → sending, unless the address is suppressed: one statement decides."""
    result = session.execute(
        update(Send)
        .where(
            Send.id == send.id,
            Send.state.in_([SendState.PENDING, SendState.DEFERRED]),
            ~exists().where(Suppression.email == Send.rcpt_to),
        )
        .values(
            state=SendState.SENDING,
            lease_until=now + timedelta(seconds=settings.send_lease_seconds),
            attempts=Send.attempts + 1,
            message_id=message_id_for(send.id, settings),
        )
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


def _settle(session: Session, send: Send, **values: object) -> None:
    session.execute(update(Send).where(Send.id == send.id).values(**values).execution_options(synchronize_session=False))


def _refresh(session: Session, send: Send) -> Send:
    session.refresh(send)
    return send


def deliver_email_step(
    session: Session,
    settings: Settings,
    enrollment: Enrollment,
    lead: Lead,
    definition: SequenceDefinition,
    step: EmailStep,
    now: datetime,
    transport: Transport,
    signer: TokenSigner,
    *,
    marketing: bool = True,
) -> Outcome:
    send = _refresh(session, ensure_send(session, enrollment, lead, step))
    if send.state == SendState.SENT or send.state == SendState.UNKNOWN:
        return ADVANCE
    if send.state == SendState.BOUNCED:
        return Outcome("exit", reason=f"Hard bounce: {send.last_error or send.smtp_code}")
    if send.state in (SendState.FAILED, SendState.SKIPPED):
        return Outcome("exit", reason=f"Email not delivered ({send.state.value}): {send.last_error or ''}".strip())
    if send.state == SendState.SENDING:
        if send.lease_until is not None and send.lease_until > now:
            return Outcome("wait", until=send.lease_until)
        _settle(session, send, state=SendState.UNKNOWN, last_error="lease expired while sending: maybe delivered")
        record_event(session, lead, "email_unknown", f"Delivery of step '{step.id}' is unknown (worker lost mid-send)", {"send_id": send.id})
        return ADVANCE
    if send.state == SendState.DEFERRED and send.next_attempt_at is not None and send.next_attempt_at > now:
        return Outcome("wait", until=send.next_attempt_at)
    if marketing and (capped_until := _frequency_cap_until(session, settings, lead, now)) is not None:
        return Outcome("wait", until=capped_until)

    variant = next((v for v in step.variants if v.id == send.variant), step.variants[0])
    owner = session.get(User, lead.owner_user_id) if lead.owner_user_id else None
    envelope = build_envelope(send, lead, owner, definition, step, variant, settings, signer)

    claimed = False

    def before_data() -> bool:
        nonlocal claimed
        fault_point("before_claim", settings.fault)
        if not _claim(session, settings, send, now):
            return False
        session.commit()  # "sending" is durable before DATA
        claimed = True
        return True

    delivery = transport.send(envelope, before_data)
    if delivery.accepted:
        fault_point("after_250", settings.fault)
        _settle(session, send, state=SendState.SENT, sent_at=now, smtp_code=250, last_error=None)
        record_event(session, lead, "email_sent", f"Sent '{envelope.subject}' (step '{step.id}')", {"send_id": send.id})
        return ADVANCE
    if delivery.detail == "not claimed":
        if session.scalar(select(Suppression.reason).where(Suppression.email == send.rcpt_to)):
            _settle(session, send, state=SendState.SKIPPED, last_error="address suppressed at send time")
            return Outcome("exit", reason="Address suppressed (checked at send time)")
        return Outcome("wait", until=now + timedelta(seconds=settings.send_lease_seconds))
    if delivery.permanent_failure:
        _settle(session, send, state=SendState.BOUNCED, smtp_code=delivery.code, last_error=delivery.detail[:500])
        suppress(session, send.rcpt_to, "hard_bounce", f"{delivery.code} {delivery.detail}")
        session.add(EmailEvent(send_id=send.id, lead_id=lead.id, kind="bounce", data={"code": delivery.code}, occurred_at=now))
        record_event(session, lead, "bounced", f"Hard bounce {delivery.code}: {delivery.detail}"[:500], {"send_id": send.id})
        return Outcome("exit", reason=f"Hard bounce: {delivery.code}")
    return _defer(session, settings, send, now, delivery.code, delivery.detail, claimed)


def _defer(
    session: Session, settings: Settings, send: Send, now: datetime, code: int, detail: str, claimed: bool
) -> Outcome:
    attempts = session.scalar(select(Send.attempts).where(Send.id == send.id)) or 0
    if not claimed:  # refused at MAIL/RCPT or no connection: an attempt all the same
        attempts += 1
    backoff = settings.retry_backoff_seconds
    if attempts > len(backoff):
        _settle(session, send, state=SendState.FAILED, smtp_code=code or None, last_error=f"gave up: {detail}"[:500])
        return Outcome("exit", reason=f"Email could not be delivered after {attempts} attempts")
    retry_at = now + timedelta(seconds=backoff[attempts - 1])
    _settle(
        session, send, state=SendState.DEFERRED, attempts=attempts, next_attempt_at=retry_at,
        smtp_code=code or None, last_error=detail[:500], lease_until=None,
    )  # fmt: skip
    return Outcome("wait", until=retry_at)


def unknown_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Send).where(Send.state == SendState.UNKNOWN)) or 0
