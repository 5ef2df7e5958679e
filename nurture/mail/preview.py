"""Reading kept mail: the local outbox newest first, and a message parsed for display."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from nurture.models import OutboxMessage
from nurture.pagination import Page


@dataclass
class MessagePreview:
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (filename, content type)


def outbox_page(session: Session, page: int = 1, per_page: int = 50) -> Page[OutboxMessage]:
    total = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    stmt = (
        select(OutboxMessage)
        .options(defer(OutboxMessage.raw))  # the list never needs the message bodies
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(session.scalars(stmt)), total, page, per_page)


def _content(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset: show what we can
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def preview_message(raw: bytes) -> MessagePreview:
    """Headers, the text and HTML bodies, and attachment names of a raw RFC 5322 message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # guaranteed by policy.default
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return MessagePreview(
        headers=[(name, str(value)) for name, value in message.items()],
        text=_content(text_part) if text_part is not None else None,
        html=_content(html_part) if html_part is not None else None,
        attachments=[
            (part.get_filename() or "(no name)", part.get_content_type()) for part in message.iter_attachments()
        ],
    )
