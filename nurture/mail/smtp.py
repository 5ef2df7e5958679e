"""SMTP delivery over one reused connection, with per-recipient outcomes."""

from __future__ import annotations

import re
import smtplib
from urllib.parse import urlsplit

from nurture.mail.transport import NOT_CLAIMED, BeforeData, Delivery, Envelope, WhileWaiting

# Well under any job timeout, so a stuck server cannot outlive the job's lease.
SOCKET_TIMEOUT = 20.0


def parse_smtp_url(url: str) -> tuple[str, int, bool]:
    """``smtp://host:port`` (plain or STARTTLS when offered) or ``smtps://host:port`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"NURTURE_SMTP_URL must look like smtp://host:port, not {url!r}")
    return parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25), parts.scheme == "smtps"


# A plain address (no display name, comment, quoting, space or angle bracket): smtplib's
# quoteaddr would parse it back to itself (~0.1 ms a command), so it is sent as is.
_PLAIN_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")


def _mail_from(conn: smtplib.SMTP, address: str) -> tuple[int, bytes]:
    if not _PLAIN_ADDRESS.fullmatch(address):
        return conn.mail(address)
    conn.putcmd("mail", f"FROM:<{address}>")  # what SMTP.mail sends without options
    return conn.getreply()


def _rcpt_to(conn: smtplib.SMTP, address: str) -> tuple[int, bytes]:
    if not _PLAIN_ADDRESS.fullmatch(address):
        return conn.rcpt(address)
    conn.putcmd("rcpt", f"TO:<{address}>")  # what SMTP.rcpt sends without options
    return conn.getreply()


_LEADING_DOT = re.compile(rb"(?m)^\.")


class _NoAnswerAfterMessage(Exception):
    """The message and its final dot were written, then the connection failed before the server's answer."""


def _data(conn: smtplib.SMTP, raw: bytes, while_waiting: WhileWaiting | None) -> tuple[int, bytes]:
    """SMTP.data, with ``while_waiting`` run between writing the message and reading the answer:
    the server's work on this message overlaps the caller's on the next one."""
    conn.putcmd("data")
    code, reply = conn.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    body = _LEADING_DOT.sub(b"..", raw)  # dot-stuffing, as smtplib does
    conn.send(body + (b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n"))
    if while_waiting is not None:
        while_waiting()
    try:
        return conn.getreply()
    except (OSError, smtplib.SMTPServerDisconnected) as exc:  # the server may have taken it: not a retry
        raise _NoAnswerAfterMessage(str(exc)) from exc


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

    def send(
        self, envelope: Envelope, before_data: BeforeData | None = None, while_waiting: WhileWaiting | None = None
    ) -> Delivery:
        """MAIL and RCPT first, then ``before_data`` (the caller's commit), then DATA.

        A crash before DATA leaves nothing at the server (an open transaction is
        dropped with the connection), so only the DATA round trip is ambiguous.
        """
        try:
            conn = self._connection()
            code, text = _mail_from(conn, envelope.mail_from)
            if code != 250:
                conn.rset()
                return Delivery(False, code, text.decode(errors="replace"))
            code, text = _rcpt_to(conn, envelope.rcpt_to)
            if code not in (250, 251):
                conn.rset()
                return Delivery(False, code, text.decode(errors="replace"))
            if before_data is not None and not before_data():
                conn.rset()
                return NOT_CLAIMED
            code, text = _data(conn, envelope.raw, while_waiting)
        except _NoAnswerAfterMessage as exc:
            self.close()
            return Delivery(False, 0, f"no answer after the message was sent: {exc}", ambiguous=True)
        except smtplib.SMTPServerDisconnected as exc:
            self.close()
            return Delivery(False, 0, f"connection error: {exc}")
        except smtplib.SMTPResponseException as exc:
            self.close()
            return Delivery(False, exc.smtp_code, exc.smtp_error.decode(errors="replace"))
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return Delivery(False, 0, f"connection error: {exc}")
        if code != 250:
            return Delivery(False, code, text.decode(errors="replace"))
        return Delivery(True, 250)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._conn = None
