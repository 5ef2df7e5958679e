"""A rep's sending identity (the Mailbox row): validated edits, one field error per problem."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.text import clean_text
from nurture.leads.validation import normalize_email
from nurture.models import Mailbox, User

FIELDS = ("from_name", "from_email", "reply_to", "signature", "daily_cap", "timezone")
MAX_CAP = 10_000


def mailbox_of(session: Session, user: User) -> Mailbox | None:
    return session.scalar(select(Mailbox).where(Mailbox.user_id == user.id))


def _timezone(value: Any) -> tuple[str | None, str | None]:
    if value in (None, ""):
        return None, None
    try:
        if not isinstance(value, str) or len(value) > 64:
            raise ValueError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None, "An IANA timezone such as Europe/Berlin or America/New_York"
    return value, None


def _cap(value: Any) -> tuple[int, str | None]:
    if value in (None, ""):
        return 0, None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_CAP:
        return 0, f"A whole number from 0 (no cap) to {MAX_CAP}"
    return value, None


def save_mailbox(session: Session, user: User, data: Mapping[str, Any]) -> Mailbox:
    """Create or update ``user``'s mailbox; a ValidationError names each bad field, and nothing is saved then."""
    errors: dict[str, str] = {str(k)[:64]: "Unknown field" for k in data if k not in FIELDS}
    from_email, error = normalize_email(data.get("from_email") or "")
    if error:
        errors["from_email"] = error
    reply_to = None
    if data.get("reply_to"):
        reply_to, error = normalize_email(data["reply_to"])
        if error:
            errors["reply_to"] = error
    from_name, error = clean_text(data.get("from_name"), 100)
    if error:
        errors["from_name"] = error
    signature = data.get("signature") or ""
    if not isinstance(signature, str) or len(signature) > 2000:
        errors["signature"] = "Text of at most 2000 characters"
    cap, error = _cap(data.get("daily_cap"))
    if error:
        errors["daily_cap"] = error
    timezone, error = _timezone(data.get("timezone"))
    if error:
        errors["timezone"] = error
    if errors:
        raise ValidationError(errors)
    mailbox = mailbox_of(session, user) or Mailbox(user_id=user.id)
    mailbox.from_name, mailbox.from_email, mailbox.reply_to = from_name or "", from_email, reply_to
    mailbox.signature = signature.replace("\r\n", "\n").strip()
    mailbox.daily_cap, mailbox.timezone = cap, timezone
    session.add(mailbox)
    session.flush()
    return mailbox
