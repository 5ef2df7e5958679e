"""What an inbound message is: a bounce (hard, soft, delay), an out-of-office, other machine mail, or a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import Message

from nurture.mail.inbound.autoreply import auto_submitted, from_a_robot, looks_like_bounce, says_out_of_office
from nurture.mail.inbound.dsn import DeliveryReport, delivery_report
from nurture.mail.inbound.parsing import header, sender_address, text_body
from nurture.mail.inbound.return_date import return_date
from nurture.models import InboundKind


@dataclass
class Classification:
    kind: InboundKind
    reason: str  # why, in words, for the record
    sender: str
    subject: str
    body: str
    report: DeliveryReport | None = None
    return_on: date | None = None


def classify(message: Message, received: date) -> Classification:
    sender = sender_address(message)
    subject = header(message, "Subject")
    body = text_body(message)

    def result(kind: InboundKind, reason: str, **extra: object) -> Classification:
        return Classification(kind, reason, sender, subject, body, **extra)  # type: ignore[arg-type]

    if looks_like_bounce(message, sender, subject):
        report = delivery_report(message, body)
        if report is not None:
            if report.hard:
                return result(InboundKind.HARD_BOUNCE, f"{report.format} report: permanent failure", report=report)
            if report.soft:
                return result(InboundKind.SOFT_BOUNCE, f"{report.format} report: temporary failure", report=report)
            return result(InboundKind.DELAY_NOTICE, f"{report.format} report: delivery delayed", report=report)
        if message.get_content_type() == "multipart/report":
            return result(InboundKind.AUTO_REPLY, "a report without failures (delivered, read receipt)")
    robot = auto_submitted(message)
    if robot is not None or says_out_of_office(subject, ""):
        if says_out_of_office(subject, body):
            return result(
                InboundKind.OUT_OF_OFFICE,
                f"out of office ({robot or 'subject'})",
                return_on=return_date(f"{subject}\n{body[:3000]}", received),
            )
        return result(InboundKind.AUTO_REPLY, f"machine-written ({robot})")
    if from_a_robot(sender):
        return result(InboundKind.AUTO_REPLY, f"sent by {sender}")
    return result(InboundKind.HUMAN_REPLY, "written by a person")

