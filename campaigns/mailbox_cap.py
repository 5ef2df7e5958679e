"""Rolling 24-hour send caps: a lead's marketing frequency cap and a rep mailbox's daily cap.

Counted from the ledger (sent rows in the last 24 hours) when a batch starts, so
every worker sees the same count, plus what the batch itself sends.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Send, SendState

WINDOW = timedelta(days=1)


def released_at(sent_times: list[datetime], cap: int) -> datetime | None:
    """None while under ``cap``; else when enough of the sends leave the 24-hour window to allow one more."""
    if cap <= 0 or len(sent_times) < cap:
        return None
    times = sorted(sent_times)
    return times[len(times) - cap] + WINDOW


@dataclass
class MailboxCap:
    """Cadence emails per sender address in any 24 hours; the overflow waits for the oldest to age out."""

    caps: dict[str, int]
    recent: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, session: Session, caps: dict[str, int], now: datetime) -> MailboxCap:
        cap = cls({email: n for email, n in caps.items() if n > 0})
        if cap.caps:
            for sender, sent_at in session.execute(
                select(Send.sender_email, Send.sent_at).where(
                    Send.sender_email.in_(cap.caps), Send.state == SendState.SENT, Send.sent_at > now - WINDOW
                )
            ):
                cap.recent[sender].append(sent_at)
        return cap

    def blocked_until(self, sender: str, *, one_more_at: datetime | None = None) -> datetime | None:
        """``one_more_at``: as if one more email were sent then (the one about to go)."""
        times = self.recent[sender] if one_more_at is None else [*self.recent[sender], one_more_at]
        return released_at(times, self.caps.get(sender, 0))

    def count(self, sender: str, sent_at: datetime) -> None:
        self.recent[sender].append(sent_at)
