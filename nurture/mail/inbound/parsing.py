"""Reading a raw RFC 5322 message: strictly enough to refuse garbage, leniently enough for real bounces."""

from __future__ import annotations

import hashlib
import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr

from nurture.errors import ValidationError

HEADER_LINE = re.compile(rb"^[!-9;-~]+:")  # a field name (printable, no colon) then a colon (RFC 5322 §2.2)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
HTML_TAG = re.compile(r"<[^>]+>")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # NUL and friends: PostgreSQL refuses NUL in text


def printable(text: str) -> str:
    """Without NUL and other controls, and valid UTF-8 (8-bit garbage arrives as lone surrogates)."""
    return CONTROL.sub("", text).encode("utf-8", errors="replace").decode("utf-8")


def parse_message(raw: bytes) -> Message:
    """Parse raw bytes; ValidationError({"raw": …}) when they are not a message at all.

    The compat32 policy: headers stay text until read (the default policy parses
    every structured header on each access, ~1 ms each, and raises on garbage).
    """
    if not raw or not raw.strip():
        raise ValidationError({"raw": "Empty message"})
    if not HEADER_LINE.match(raw.lstrip(b"\r\n")):
        raise ValidationError({"raw": "Not an RFC 5322 message: it must start with header fields"})
    message = message_from_bytes(raw, policy=policy.compat32)
    if not header(message, "From") and not header(message, "Return-Path"):
        raise ValidationError({"raw": "Not an RFC 5322 message: no From header"})
    return message


def header(message: Message, name: str) -> str:
    """A header as one line of text, RFC 2047 encoded words decoded; garbage gives its raw text."""
    value = message.get(name)
    if value is None:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except Exception:  # malformed encoded words, unknown charsets: the raw text will do
        text = str(value)
    return printable(" ".join(text.split()))


def message_ids(value: str) -> list[str]:
    """Every <id> in an In-Reply-To or References field, in order."""
    return MESSAGE_ID.findall(value or "")


def own_message_id(message: Message, raw: bytes) -> str:
    """The Message-ID, or a digest of the bytes for a message without one (so a refetch is still recognised)."""
    found = message_ids(header(message, "Message-ID"))
    if found and len(found[0]) <= 255:
        return found[0]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@nurture.invalid>"


def sender_address(message: Message) -> str:
    address = parseaddr(header(message, "From"))[1] or parseaddr(header(message, "Return-Path"))[1]
    return address.strip().lower()


def text_body(message: Message, limit: int = 20_000) -> str:
    """The first text/plain part (or an HTML part's text), decoded; attached messages are not entered."""
    html = None
    for part in _parts(message):
        content_type = part.get_content_type()
        if content_type == "text/plain":
            return _decoded(part)[:limit]
        if content_type == "text/html" and html is None:
            html = HTML_TAG.sub(" ", _decoded(part))
    return (html or "")[:limit]


def _parts(message: Message):  # type: ignore[no-untyped-def]
    if message.is_multipart():
        for part in message.get_payload():  # type: ignore[union-attr]
            if isinstance(part, Message) and not part.get_content_type().startswith("message/"):
                yield from _parts(part)
    else:
        yield message


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return printable(str(part.get_payload()))
    try:
        charset = part.get_content_charset() or "utf-8"
        return printable(payload.decode(charset, errors="replace"))
    except (LookupError, ValueError):  # an unknown or malformed charset name
        return printable(payload.decode("utf-8", errors="replace"))
