"""The embedded default transport: mail is kept in the database and shown in the admin."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nurture.mail.transport import NOT_CLAIMED, BeforeData, Delivery, Envelope, WhileWaiting
from nurture.models import OutboxMessage


class OutboxTransport:
    def __init__(self, session: Session):
        self.session = session

    def send(
        self, envelope: Envelope, before_data: BeforeData | None = None, while_waiting: WhileWaiting | None = None
    ) -> Delivery:
        if before_data is not None and not before_data():
            return NOT_CLAIMED
        # Kept in a transaction of its own and committed at once, as a server's acceptance would be: the
        # caller's session stays as it was, and on SQLite no open transaction holds the writer lock that
        # the ledger's next claim, on a connection of its own, waits for (it used to wait 15 s and fail).
        with Session(bind=self.session.get_bind(), join_transaction_mode="create_savepoint") as outbox:
            outbox.add(
                OutboxMessage(
                    message_id=envelope.message_id,
                    mail_from=envelope.mail_from,
                    rcpt_to=envelope.rcpt_to,
                    subject=envelope.subject[:998],
                    raw=envelope.raw,
                )
            )
            outbox.commit()
        if while_waiting is not None:
            while_waiting()
        return Delivery(True, 250, "kept in outbox")

    def close(self) -> None:
        pass
