"""Plain system emails (test sends, notifications), built with the SMTP policy (CRLF)."""

from __future__ import annotations

import email.policy
import secrets
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.mail.outbox import OutboxTransport
from nurture.mail.smtp import SmtpTransport
from nurture.mail.transport import Delivery, Envelope, Transport


def sender_address(settings: Settings) -> str:
    host = urlsplit(settings.base_url).hostname or "localhost"
    domain = host if "." in host and not host.replace(".", "").isdigit() else "nurture.localhost"
    return f"nurture@{domain}"


def build_system_email(settings: Settings, to: str, subject: str, text: str) -> Envelope:
    sender = sender_address(settings)
    message_id = f"<{secrets.token_hex(12)}@{sender.split('@')[1]}>"
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"Nurture <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    return Envelope(sender, to, message_id, subject, msg.as_bytes())


def transport_for(settings: Settings, session: Session) -> Transport:
    """SMTP when NURTURE_SMTP_URL is set, else the local outbox."""
    return SmtpTransport(settings.smtp_url) if settings.smtp_url else OutboxTransport(session)


def send_system_email(settings: Settings, session: Session, to: str, subject: str, text: str) -> Delivery:
    transport = transport_for(settings, session)
    try:
        return transport.send(build_system_email(settings, to, subject, text))
    finally:
        transport.close()
