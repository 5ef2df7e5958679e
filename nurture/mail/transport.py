"""The transport interface (after listmonk's Messenger): SMTP and the outbox are interchangeable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# Called before the message's content, before anything of it is written but its MAIL, RCPT and DATA
# (which may have gone ahead, see Transport.send's ``then``: DATA's 354 only invites the content):
# the caller commits "sending" there. Returning False abandons the message.
BeforeData = Callable[[], bool]


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_to: str
    message_id: str
    subject: str
    raw: bytes


@dataclass(frozen=True)
class Delivery:
    """One recipient's outcome: accepted, or the server's code and text."""

    accepted: bool
    code: int
    detail: str = ""
    # The whole message was written but no answer came (RFC 1047): maybe delivered, so never resent.
    ambiguous: bool = False

    @property
    def permanent_failure(self) -> bool:
        return not self.accepted and 500 <= self.code < 600


NOT_CLAIMED = Delivery(False, 0, "not claimed")


class Transport(Protocol):
    def send(
        self, envelope: Envelope, before_data: BeforeData | None = None, then: Envelope | None = None
    ) -> Delivery:
        """``then``: the envelope likely sent next (a hint; SMTP may open its transaction early)."""
        ...

    def close(self) -> None: ...
