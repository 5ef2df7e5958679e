"""Reading kept mail: the local outbox newest first, and a message parsed for display."""

from __future__ import annotations

import base64
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, defer

from nurture.db.like import ESCAPE, contains_pattern
from nurture.models import OutboxMessage
from nurture.pagination import Page

# Images the message embeds (cid:) are shown inline as data: URLs up to this size each; remote ones never load.
INLINE_IMAGE_LIMIT = 2 * 1024 * 1024


@dataclass
class Part:
    content_type: str
    size: int  # bytes, decoded
    filename: str | None
    disposition: str | None  # inline, attachment, or None
    content_id: str | None


@dataclass
class MessagePreview:
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (filename, content type)
    parts: list[Part] = field(default_factory=list)  # every leaf of the MIME tree, in order


def _search(stmt: Select[Any], q: str | None) -> Select[Any]:
    if not q:
        return stmt
    pattern = contains_pattern(q)
    columns = (OutboxMessage.subject, OutboxMessage.rcpt_to, OutboxMessage.mail_from, OutboxMessage.message_id)
    return stmt.where(or_(*(func.lower(column).like(pattern, escape=ESCAPE) for column in columns)))


def outbox_page(session: Session, page: int = 1, per_page: int = 50, q: str | None = None) -> Page[OutboxMessage]:
    """Kept mail newest first; ``q`` finds words in the subject, the addresses or the Message-ID."""
    total = session.scalar(_search(select(func.count()).select_from(OutboxMessage), q)) or 0
    stmt = (
        _search(select(OutboxMessage), q)
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


def _payload(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _parts(message: EmailMessage) -> list[Part]:
    return [
        Part(
            part.get_content_type(),
            len(_payload(part)),
            part.get_filename(),
            part.get_content_disposition(),
            str(part["Content-ID"]).strip("<> ") if part["Content-ID"] else None,
        )
        for part in message.walk()
        if not part.is_multipart()
    ]


def _inline_images(html: str, message: EmailMessage) -> str:
    """Embedded images (``cid:``) as data: URLs, so the frame shows them as the lead's mail client would."""
    for part in message.walk():
        cid = str(part["Content-ID"] or "").strip("<> ")
        if not cid or part.get_content_maintype() != "image" or f"cid:{cid}" not in html:
            continue
        payload = _payload(part)
        if len(payload) <= INLINE_IMAGE_LIMIT:
            data = base64.b64encode(payload).decode("ascii")
            html = html.replace(f"cid:{cid}", f"data:{part.get_content_type()};base64,{data}")
    return html


def preview_message(raw: bytes) -> MessagePreview:
    """Headers, the text and HTML bodies, and attachment names of a raw RFC 5322 message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # guaranteed by policy.default
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return MessagePreview(
        headers=[(name, str(value)) for name, value in message.items()],
        text=_content(text_part) if text_part is not None else None,
        html=_inline_images(_content(html_part), message) if html_part is not None else None,
        attachments=[
            (part.get_filename() or "(no name)", part.get_content_type()) for part in message.iter_attachments()
        ],
        parts=_parts(message),
    )
