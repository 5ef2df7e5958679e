"""The embedded default transport: mail is kept in the database and shown in the admin."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nurture.mail.transport import NOT_CLAIMED, BeforeData, Delivery, Envelope
from nurture.models import OutboxMessage


class OutboxTransport:
    def __init__(self, session: Session):
        self.session = session

    def send(
        self, envelope: Envelope, before_data: BeforeData | None = None, then: Envelope | None = None
    ) -> Delivery:
        if before_data is not None and not before_data():
            return NOT_CLAIMED
        # Given a session in the middle of a transaction (a hand-off's notification), the message is part
        # of it. Given one with none open (a send batch, whose ledger writes on a connection of its own),
        # it is committed at once, as a server's acceptance would be: left open, on SQLite that transaction
        # held the writer lock the ledger's next claim waited for (15 s, then "database is locked").
        joins_caller = self.session.in_transaction()
        self.session.add(
            OutboxMessage(
                message_id=envelope.message_id,
                mail_from=envelope.mail_from,
                rcpt_to=envelope.rcpt_to,
                subject=envelope.subject[:998],
                raw=envelope.raw,
            )
        )
        self.session.flush() if joins_caller else self.session.commit()
        return Delivery(True, 250, "kept in outbox")

    def close(self) -> None:
        pass
