"""Who a sequence email comes from: the lead owner's mailbox for cadences, else the sequence's or the account's sender."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.messages import sender_of
from campaigns.steps import SequenceDefinition
from nurture.config import Settings
from nurture.models import Mailbox


@dataclass(frozen=True)
class SenderIdentity:
    email: str
    name: str
    reply_to: str | None = None
    signature: str = ""
    daily_cap: int = 0  # 0: no cap
    timezone: str | None = None


def identity_for(definition: SequenceDefinition, settings: Settings, mailbox: Mailbox | None) -> SenderIdentity:
    """The rep's mailbox when there is one (pass None for nurture sequences), else the sequence's sender."""
    email, name = sender_of(definition, settings)
    if mailbox is None:
        return SenderIdentity(email, name)
    return SenderIdentity(
        mailbox.from_email, mailbox.from_name or name, mailbox.reply_to, mailbox.signature or "", mailbox.daily_cap,
        mailbox.timezone,
    )  # fmt: skip


def mailboxes_of(session: Session, user_ids: Iterable[int | None]) -> dict[int, Mailbox]:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return {m.user_id: m for m in session.scalars(select(Mailbox).where(Mailbox.user_id.in_(ids)))}
