"""SMTP delivery over one reused connection, with per-recipient outcomes."""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

from nurture.mail.transport import Delivery, Envelope

# Well under any job timeout, so a stuck server cannot outlive the job's lease.
SOCKET_TIMEOUT = 20.0


def parse_smtp_url(url: str) -> tuple[str, int, bool]:
    """``smtp://host:port`` (plain or STARTTLS when offered) or ``smtps://host:port`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"NURTURE_SMTP_URL must look like smtp://host:port, not {url!r}")
    return parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25), parts.scheme == "smtps"


class SmtpTransport:
    def __init__(self, url: str, timeout: float = SOCKET_TIMEOUT):
        self.host, self.port, self.tls = parse_smtp_url(url)
        self.username = urlsplit(url).username
        self.password = urlsplit(url).password
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            cls = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
            conn = cls(self.host, self.port, timeout=self.timeout)
            conn.ehlo()
            if not self.tls and conn.has_extn("starttls"):
                conn.starttls()
                conn.ehlo()
            if self.username:
                conn.login(self.username, self.password or "")
            self._conn = conn
        return self._conn

    def send(self, envelope: Envelope) -> Delivery:
        try:
            conn = self._connection()
            refused = conn.sendmail(envelope.mail_from, [envelope.rcpt_to], envelope.raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(envelope.rcpt_to, (550, b"refused"))
            return Delivery(False, code, text.decode(errors="replace"))
        except smtplib.SMTPResponseException as exc:
            self.close()
            return Delivery(False, exc.smtp_code, exc.smtp_error.decode(errors="replace"))
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return Delivery(False, 0, f"connection error: {exc}")
        if refused:
            code, text = refused[envelope.rcpt_to]
            return Delivery(False, code, text.decode(errors="replace"))
        return Delivery(True, 250)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._conn = None
