"""Polling an IMAP mailbox: new messages by UID (checkpointed in the database), each processed once.

Order: each message is processed and committed; then, every few dozen, they
are marked on the server and the checkpoint moves. A crash in between fetches
them again, and their Message-IDs make the second pass a no-op. A new UIDVALIDITY (the folder was recreated) starts
over from UID 0, which the same rule makes safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.inbound.intake import ingest
from nurture.config import Settings
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.mail.inbound.imap import ImapMailbox
from nurture.mail.inbound.mailbox import MailboxConfig
from nurture.models import Checkpoint

log = logging.getLogger(__name__)
BATCH = 200
SETTLE_EVERY = 50  # messages processed between marking them on the server and moving the checkpoint


@dataclass
class PollResult:
    fetched: int = 0
    processed: int = 0
    duplicates: int = 0
    rejected: int = 0


def _checkpoint(session: Session, name: str) -> Checkpoint:
    checkpoint = session.get(Checkpoint, name)
    if checkpoint is None:
        checkpoint = Checkpoint(name=name, position=0)
        session.add(checkpoint)
    return checkpoint


def poll_mailbox(
    session: Session, settings: Settings, config: MailboxConfig, *, clock: Callable[[], datetime] = utcnow, batch: int = BATCH
) -> PollResult:
    result = PollResult()
    with ImapMailbox(config, timeout=settings.smtp_timeout_seconds) as box:
        validity = _checkpoint(session, f"{config.checkpoint_prefix}:uidvalidity")
        last_uid = _checkpoint(session, f"{config.checkpoint_prefix}:uid")
        if validity.position != box.uidvalidity:
            validity.position, last_uid.position = box.uidvalidity, 0
        start = last_uid.position
        session.commit()
        processed: list[int] = []

        def settle(through_uid: int) -> None:
            """Mark what was committed, then move the checkpoint: one round trip and one commit per chunk."""
            box.mark_processed(processed)
            processed.clear()
            _checkpoint(session, f"{config.checkpoint_prefix}:uid").position = through_uid
            session.commit()

        messages = box.fetch_after(start, settings.inbound_max_bytes, batch)
        for fetched in messages:
            result.fetched += 1
            try:
                intake = ingest(session, settings, fetched.raw, source=config.label, now=clock(), size=fetched.size)
            except ValidationError as exc:  # not a message: left in the mailbox, unmarked, for a person to see
                session.rollback()
                log.warning("%s: UID %s is not a message (%s); skipped", config.label, fetched.uid, exc.errors)
                result.rejected += 1
            else:
                processed.append(fetched.uid)
                result.duplicates += intake.duplicate
                result.processed += not intake.duplicate
            if len(processed) >= SETTLE_EVERY:
                settle(fetched.uid)
        if messages:
            settle(messages[-1].uid)
    return result
