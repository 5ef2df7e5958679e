"""A rep's manual cadence email: the task's draft, edited, sent exactly as edited and at most once.

The draft's ledger row (created with the task) is claimed like any send, so a
double click or a retried request finds it sending or sent and sends nothing.
The message goes out From the owner's mailbox, threaded when the step says so;
the task completes and the cadence that may wait for it wakes up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.cadence_tasks import complete_and_wake
from campaigns.identity import SenderIdentity, identity_for, mailboxes_of
from campaigns.ledger import LedgerWriter
from campaigns.mailbox_cap import MailboxCap
from campaigns.messages import identity_headers, message_id_for
from campaigns.models import Send, SendState
from campaigns.steps import TaskStep
from campaigns.threading import first_emails
from campaigns.versions import definition_of
from nurture.config import Settings
from nurture.errors import ValidationError
from nurture.leads.text import has_control_chars
from nurture.leads.timeline import record_event
from nurture.mail.mime import MimeParts, build_message
from nurture.mail.suppression import suppress
from nurture.mail.tokens import TokenSigner
from nurture.mail.transport import Envelope, Transport
from nurture.models import Lead, Task, User

MAX_BODY = 200_000


@dataclass(frozen=True)
class ManualSend:
    sent: bool
    message: str  # what happened, for the rep


def save_draft(session: Session, task: Task, data: Mapping[str, Any]) -> None:
    """Keep the rep's edits (subject on one line; bodies with LF line ends, as they are sent)."""
    errors: dict[str, str] = {str(k)[:64]: "Unknown field" for k in data if k not in ("subject", "text", "html")}
    if task.send_id is None:
        errors["task"] = "Not a manual email task"
    subject = data.get("subject", task.draft_subject)
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 998 or has_control_chars(subject.strip()):
        errors["subject"] = "A subject of 1 to 998 characters on one line"
    bodies = {}
    for part in ("text", "html"):
        value = data.get(part, getattr(task, f"draft_{part}"))
        if value is not None and (not isinstance(value, str) or len(value) > MAX_BODY):
            errors[part] = f"Text of at most {MAX_BODY} characters"
            continue
        bodies[part] = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if not errors and not bodies["text"].strip():
        errors["text"] = "The email needs a body"
    if errors:
        raise ValidationError(errors)
    task.draft_subject = " ".join(subject.split())
    task.draft_text, task.draft_html = bodies["text"], bodies["html"] or None


def _identity(session: Session, settings: Settings, task: Task, send: Send) -> tuple[SenderIdentity, Any]:
    definition = definition_of(session, send.version_id)
    owner_id = task.owner_user_id
    identity = identity_for(definition, settings, mailboxes_of(session, [owner_id]).get(owner_id or 0))
    step = definition.step(send.step_id)
    thread = first_emails(session, [send.enrollment_id]).get(send.enrollment_id) if isinstance(step, TaskStep) and step.thread else None
    return identity, thread


def _as_html(text: str) -> str:
    """The HTML part of a plain-text draft: the same words (mail clients prefer the HTML alternative)."""
    return "<div>" + str(escape(text)).replace("\n", "<br>\n") + "</div>"


def _envelope(task: Task, send: Send, lead: Lead, identity: SenderIdentity, thread: Any, settings: Settings) -> Envelope:
    message_id = message_id_for(send.id, settings)
    unsubscribe_url = f"{settings.base_url}/u/{TokenSigner(settings.secret_key).unsubscribe_token(send.id)}"
    subject, text = task.draft_subject or "", task.draft_text or ""
    raw = build_message(
        MimeParts(
            from_name=identity.name, from_email=identity.email, to=send.rcpt_to, subject=subject, message_id=message_id,
            text=text, html=task.draft_html or _as_html(text), list_unsubscribe=unsubscribe_url,
            extra_headers=(*identity_headers(identity, thread), ("X-Nurture-Send", str(send.id))),
        )
    )  # fmt: skip
    return Envelope(identity.email, send.rcpt_to, message_id, subject, raw)


def send_manual_email(
    session: Session, settings: Settings, transport: Transport, task: Task, data: Mapping[str, Any],
    *, actor: User, now: datetime,
) -> ManualSend:  # fmt: skip
    """Save the edits and send once; a ValidationError for bad input, a ManualSend for every outcome."""
    if task.completed_at is not None:  # a double click, a retried request: nothing changes, nothing is sent
        return ManualSend(False, "Not sent again: this task is already done.")
    save_draft(session, task, data)
    send = session.get(Send, task.send_id, populate_existing=True)
    lead = session.get(Lead, task.lead_id)
    if send is None or lead is None:
        raise ValidationError({"task": "The lead or its ledger row is gone"})
    if send.state not in (SendState.PENDING, SendState.DEFERRED):
        session.commit()
        return ManualSend(False, f"Not sent again: this email is already {send.state.value}.")
    identity, thread = _identity(session, settings, task, send)
    blocked = MailboxCap.load(session, {identity.email: identity.daily_cap}, now).blocked_until(identity.email)
    if blocked is not None:
        session.commit()
        return ManualSend(False, f"Your mailbox reached its daily cap; the draft is saved. Send it after {blocked:%Y-%m-%d %H:%M} UTC.")
    envelope = _envelope(task, send, lead, identity, thread, settings)
    session.commit()  # the edits are kept whatever happens next; no transaction stays open over SMTP
    ledger = LedgerWriter(session, settings, now, live_enrollment=False)  # a person sends it, cadence or not
    try:
        ledger.note(send.id, identity.email, envelope.subject, envelope.message_id)
        delivery = transport.send(envelope, lambda: ledger.claim_and_commit(send.id))
        if delivery.accepted:
            ledger.sent(send.id)
        elif delivery.ambiguous:
            ledger.settle(send.id, state=SendState.UNKNOWN, last_error=delivery.detail[:500])
        elif delivery.permanent_failure:
            ledger.settle(send.id, state=SendState.BOUNCED, smtp_code=delivery.code, last_error=delivery.detail[:500])
        elif delivery.detail != "not claimed":
            ledger.settle(send.id, state=SendState.DEFERRED, smtp_code=delivery.code or None, last_error=delivery.detail[:500])
    finally:
        ledger.flush()
        ledger.close()
    return _settle(session, task, lead, envelope, delivery, actor, now)


def _settle(session: Session, task: Task, lead: Lead, envelope: Envelope, delivery: Any, actor: User, now: datetime) -> ManualSend:
    if delivery.detail == "not claimed":
        suppressed = session.scalar(select(Send.state).where(Send.id == task.send_id)) == SendState.PENDING
        return ManualSend(False, "Not sent: the address is suppressed." if suppressed else "Not sent again: it is already being sent.")
    if delivery.permanent_failure:
        suppress(session, lead.email, "hard_bounce", f"{delivery.code} {delivery.detail}")
        record_event(session, lead, "bounced", f"Hard bounce {delivery.code}: {delivery.detail}", {"send_id": task.send_id}, actor)
        session.commit()
        return ManualSend(False, f"Refused by the server ({delivery.code}): the address is now suppressed.")
    if not delivery.accepted and not delivery.ambiguous:
        return ManualSend(False, f"Not sent ({delivery.code or 'no connection'}): the draft is saved, try again.")
    outcome = "sent" if delivery.accepted else "unknown"
    record_event(session, lead, "email_sent", f"Sent '{envelope.subject}' (manual email by {actor.email})",
                 {"send_id": task.send_id, "task_id": task.id}, actor)  # fmt: skip
    complete_and_wake(session, task, {"outcome": outcome}, actor=actor, now=now)
    session.commit()
    return ManualSend(True, "Sent." if delivery.accepted else "Delivery unknown (the server did not answer); not resent.")
