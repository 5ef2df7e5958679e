"""The hot ledger statements, built once so SQLAlchemy compiles them once.

Per message there are two short transactions: the claim (pending → sending,
refused for a suppressed address) committed right before DATA, and the outcome
committed right after the server's answer. A crash between a 250 and the
outcome commit leaves the row "sending", which its lease turns into "unknown":
the RFC 1047 window, never a resend.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, select, text, update
from sqlalchemy.orm import Session

from campaigns.faults import fault_point
from campaigns.messages import message_id_for
from campaigns.models import Send, SendState
from nurture.config import Settings
from nurture.models import Suppression

SENDS = Send.__table__
SUPPRESSIONS = Suppression.__table__

CLAIM = (
    update(SENDS)
    .where(
        SENDS.c.id == bindparam("send_id"),
        SENDS.c.state.in_([SendState.PENDING, SendState.DEFERRED]),
        ~exists(select(SUPPRESSIONS.c.id).where(SUPPRESSIONS.c.email == SENDS.c.rcpt_to)),
    )
    .values(
        state=SendState.SENDING,
        lease_until=bindparam("lease_until"),
        attempts=SENDS.c.attempts + 1,
        message_id=bindparam("message_id"),
    )
)
MARK_SENT = (
    update(SENDS)
    .where(SENDS.c.id == bindparam("send_id"))
    .values(state=SendState.SENT, sent_at=bindparam("sent_at"), smtp_code=250, last_error=None)
)


ASYNC_COMMIT = text("SET LOCAL synchronous_commit TO OFF")


class LedgerWriter:
    def __init__(self, session: Session, settings: Settings, now: datetime):
        self.session = session
        self.settings = settings
        self.now = now
        self.lease_until = now + timedelta(seconds=settings.send_lease_seconds)

    def claim_and_commit(self, send_id: int) -> bool:
        """pending/deferred → sending unless the address is suppressed (one statement), then commit."""
        fault_point("before_claim", self.settings.fault)
        result = self.session.connection().execute(
            CLAIM,
            {"send_id": send_id, "lease_until": self.lease_until, "message_id": message_id_for(send_id, self.settings)},
        )
        self.session.commit()  # "sending" is durable before DATA
        return (result.rowcount or 0) == 1

    def sent(self, send_id: int) -> None:
        fault_point("after_250", self.settings.fault)
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # Losing this commit in a database crash leaves the row "sending", which becomes
            # "unknown", never a resend: it need not wait for the disk. The claim above does.
            connection.execute(ASYNC_COMMIT)
        connection.execute(MARK_SENT, {"send_id": send_id, "sent_at": self.now})
        self.session.commit()

    def settle(self, send_id: int, **values: Any) -> None:
        """Any other outcome (rare paths): written now, committed by the caller's next commit."""
        self.session.connection().execute(update(SENDS).where(SENDS.c.id == send_id).values(**values))
