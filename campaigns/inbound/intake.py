"""Taking in one inbound message (from IMAP or the API): store, classify, match and act, once per Message-ID."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.inbound.actions import act
from campaigns.inbound.matching import match, send_id_of
from nurture.config import Settings
from nurture.mail.inbound.classify import classify
from nurture.mail.inbound.parsing import own_message_id, parse_message
from nurture.models import InboundKind, InboundMessage

# Enough for every header, the text and a bounce's report; attachments beyond it are not worth a database row.
RAW_KEPT_BYTES = 256 * 1024


@dataclass
class Intake:
    inbound: InboundMessage
    duplicate: bool
    actions: list[str] = field(default_factory=list)


def _existing(session: Session, message_id: str) -> InboundMessage | None:
    return session.scalar(select(InboundMessage).where(InboundMessage.message_id == message_id))


def ingest(session: Session, settings: Settings, raw: bytes, *, source: str, now: datetime, size: int | None = None) -> Intake:
    """Process ``raw`` unless a message with its Message-ID was processed before; commits.

    Raises ValidationError for bytes that are not a message.
    """
    message = parse_message(raw)
    message_id = own_message_id(message, raw)
    if (existing := _existing(session, message_id)) is not None:
        return Intake(existing, duplicate=True)
    classification = classify(message, now.date())
    if send_id_of(message_id, settings) is not None:  # a copy of our own sent mail (a shared or "All Mail" folder)
        classification.kind, classification.reason, classification.report = InboundKind.AUTO_REPLY, "one of our own sent messages", None
    found = match(session, settings, message, raw, classification)
    report = classification.report
    first = (report.hard or report.soft or report.recipients)[0] if report is not None and report.recipients else None
    inbound = InboundMessage(
        message_id=message_id,
        source=source[:200],
        kind=classification.kind,
        from_address=classification.sender[:254],
        subject=classification.subject[:500],
        address=(first.address if first else classification.sender)[:254],
        status=first.status if first else None,
        detail=(first.diagnostic if first and first.diagnostic else classification.reason)[:500],
        return_on=classification.return_on,
        send_id=found.send.id if found.send is not None else None,
        lead_id=found.lead.id if found.lead is not None else None,
        matched_by=found.how,
        raw=raw[:RAW_KEPT_BYTES],
        raw_size=size if size is not None else len(raw),
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(inbound)
            session.flush()
            actions = act(session, settings, inbound, classification, found, now)
            inbound.data = {
                "reason": classification.reason,
                "recipients": [
                    {"address": r.address, "action": r.action, "status": r.status, "permanent": r.permanent}
                    for r in (report.recipients if report is not None else [])
                ],
                "actions": actions,
                "truncated": inbound.raw_size > len(inbound.raw),
            }
            session.flush()
    except IntegrityError:  # the same message, processed concurrently: theirs stands
        existing = _existing(session, message_id)
        if existing is None:
            raise
        return Intake(existing, duplicate=True)
    session.commit()
    return Intake(inbound, duplicate=False, actions=actions)
