"""Delivery status notifications: RFC 3464 reports, and the non-standard formats flufl.bounce knows.

A report lists recipients with an action (failed, delayed, delivered …) and a
status code (RFC 3463: 5.x.x permanent, 4.x.x temporary). Bounces that are not
RFC 3464 (older Exchange, qmail, Exim's X-Failed-Recipients …) go to
flufl.bounce, which says which recipients failed permanently or temporarily.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from email.utils import parseaddr

from flufl.bounce import all_failures

from nurture.mail.inbound.parsing import header, message_ids, printable

log = logging.getLogger(__name__)
STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_REPLY = re.compile(r"\b([245])\d\d\b")
# Mailbox full is "usually temporary" even when sent as 5.2.2 (RFC 3463 §3.3): counted as soft.
SOFT_PERMANENT_STATUSES = frozenset({"5.2.2"})


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    action: str  # failed, delayed (RFC 3464 §2.3.3)
    status: str | None  # 5.1.1, 4.2.2 …
    diagnostic: str = ""

    @property
    def permanent(self) -> bool:
        if self.action == "delayed":
            return False
        if self.status:
            return self.status.startswith("5") and self.status not in SOFT_PERMANENT_STATUSES
        return True  # "failed" without a code: the MTA gave up


@dataclass
class DeliveryReport:
    format: str  # rfc3464, or the flufl.bounce detector family
    recipients: list[FailedRecipient] = field(default_factory=list)
    # Header fields of the message that bounced, when the report carries them (for matching).
    original_message_id: str | None = None
    original_send_id: str | None = None

    @property
    def hard(self) -> list[FailedRecipient]:
        return [r for r in self.recipients if r.permanent]

    @property
    def soft(self) -> list[FailedRecipient]:
        return [r for r in self.recipients if not r.permanent and r.action != "delayed"]

    @property
    def delayed(self) -> list[FailedRecipient]:
        return [r for r in self.recipients if r.action == "delayed"]


def _address(value: str) -> str:
    """'rfc822; user@example.com' → user@example.com."""
    kind, _, address = printable(value).partition(";")
    address = address if address else kind
    return parseaddr(address.strip())[1].strip().lower() or address.strip().strip("<>").lower()


def _status_of(*texts: str) -> str | None:
    for text in texts:
        if text and (found := STATUS.search(text)):
            return ".".join(found.groups())
    return None


def _delivery_status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    # Some MTAs send it base64-encoded or unparsed: parse the blank-line separated blocks ourselves.
    text = part.get_payload(decode=True) or b""
    return [message_from_bytes(block + b"\n", policy=policy.compat32) for block in re.split(rb"\r?\n\r?\n", text) if block.strip()]


def _original_headers(report: Message) -> Message | None:
    for part in report.walk():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if content_type in ("text/rfc822-headers", "text/global-headers"):
            data = part.get_payload(decode=True) or b""
            return message_from_bytes(data, policy=policy.compat32)
    return None


def rfc3464(message: Message) -> DeliveryReport | None:
    """Parse a multipart/report; report-type=delivery-status; None when the message is not one."""
    if message.get_content_type() != "multipart/report":
        return None
    status_part = next((p for p in message.walk() if p.get_content_type() in ("message/delivery-status", "message/global-delivery-status")), None)
    if status_part is None:
        return None
    report = DeliveryReport("rfc3464")
    for block in _delivery_status_blocks(status_part)[1:]:  # the first block is about the whole message
        recipient = header(block, "Original-Recipient") or header(block, "Final-Recipient")
        action = header(block, "Action").lower().split(" ")[0]
        if not recipient or action not in ("failed", "delayed"):
            continue  # delivered, relayed, expanded: not a failure
        address = _address(recipient)
        if "@" not in address:
            continue  # nothing we could ever have sent to
        diagnostic = header(block, "Diagnostic-Code")
        status = _status_of(header(block, "Status"), diagnostic)
        report.recipients.append(FailedRecipient(address, action, status, diagnostic[:400]))
    _attach_original(report, message)
    return report


def _attach_original(report: DeliveryReport, message: Message) -> None:
    original = _original_headers(message)
    if original is not None:
        ids = message_ids(header(original, "Message-ID"))
        report.original_message_id = ids[0] if ids else None
        report.original_send_id = header(original, "X-Nurture-Send") or None


def non_standard(message: Message, body: str) -> DeliveryReport | None:
    """flufl.bounce's detectors, with a status code looked up in the text when there is one."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector tripping over a strange message must not lose the message
        log.warning("flufl.bounce failed on a message", exc_info=True)
        return None
    if not temporary and not permanent:
        return None
    status = _status_of(body)
    report = DeliveryReport("flufl")
    for raw_address, is_permanent in [(a, True) for a in sorted(permanent)] + [(a, False) for a in sorted(temporary)]:
        address = _address(raw_address.decode("ascii", errors="replace"))
        if "@" not in address:
            continue
        code = status if status and (status.startswith("5") == is_permanent) else ("5.0.0" if is_permanent else "4.0.0")
        report.recipients.append(FailedRecipient(address, "failed", code, _diagnostic_line(body, address)))
    _attach_original(report, message)
    return report if report.recipients else None


def _diagnostic_line(body: str, address: str) -> str:
    """The line of the bounce text that mentions the address or an SMTP reply, for the record."""
    for line in body.splitlines():
        if address in line.lower() and (STATUS.search(line) or SMTP_REPLY.search(line)):
            return " ".join(line.split())[:400]
    for line in body.splitlines():
        if STATUS.search(line):
            return " ".join(line.split())[:400]
    return ""


def delivery_report(message: Message, body: str) -> DeliveryReport | None:
    return rfc3464(message) or non_standard(message, body)
