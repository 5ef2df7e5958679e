"""SMTP delivery over one reused connection, with per-recipient outcomes."""

from __future__ import annotations

import re
import smtplib
from urllib.parse import urlsplit

from nurture.mail.transport import NOT_CLAIMED, BeforeData, Delivery, Envelope

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


def _quoted(address: str) -> str:
    """The address as SMTP.mail / SMTP.rcpt send it (without options)."""
    return f"<{address}>" if _PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


def _envelope_commands(envelope: Envelope, pipelining: bool) -> list[str]:
    """MAIL and RCPT, and DATA too when the server takes them in one write (RFC 2920): DATA only
    asks for the go-ahead (354); the message follows it."""
    commands = [f"mail FROM:{_quoted(envelope.mail_from)}", f"rcpt TO:{_quoted(envelope.rcpt_to)}"]
    return [*commands, "data"] if pipelining else commands


class _NoAnswerAfterMessage(Exception):
    """The message and its final dot were written, then the connection failed before the server's answer."""


def _command_lines(commands: list[str]) -> str:
    lines = "".join(f"{command}\r\n" for command in commands)
    if lines.count("\r") != len(commands) or lines.count("\n") != len(commands):
        raise ValueError(f"command and arguments contain prohibited newline characters: {lines!r}")
    return lines


def _write(conn: smtplib.SMTP, commands: list[str]) -> None:
    """The commands in one write (several small writes would wait on each other's ACKs: Nagle)."""
    conn.send(_command_lines(commands))


def _one_at_a_time(conn: smtplib.SMTP, commands: list[str]) -> list[tuple[int, bytes]]:
    """Without PIPELINING: MAIL's answer (MAIL is already written), then RCPT's if MAIL was accepted."""
    replies = [conn.getreply()]
    if replies[0][0] == 250:
        _write(conn, commands[1:2])
        replies.append(conn.getreply())
    return replies


def _refusal(replies: list[tuple[int, bytes]]) -> tuple[int, bytes] | None:
    """The first refused envelope command (MAIL wants 250, RCPT 250 or 251)."""
    for (code, text), accepted in zip(replies[:2], ((250,), (250, 251)), strict=False):
        if code not in accepted:
            return code, text
    return None


def _message(conn: smtplib.SMTP, raw: bytes, following: list[str]) -> tuple[int, bytes]:
    """The message after the server's 354 (then ``following`` commands, in the same write), and the
    server's answer to the message."""
    # Dot-stuffing, as smtplib's regex does, ~3x faster: quoted-printable lines often start with a dot.
    body = (b"." + raw if raw.startswith(b".") else raw).replace(b"\n.", b"\n..")
    commands = _command_lines(following).encode("ascii") if following else b""
    conn.send(body + (b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n") + commands)
    try:
        return conn.getreply()
    except (OSError, smtplib.SMTPServerDisconnected) as exc:  # the server may have taken it: not a retry
        raise _NoAnswerAfterMessage(str(exc)) from exc


def _envelope_replies(
    conn: smtplib.SMTP, envelope: Envelope, pipelining: bool, opened: bool
) -> list[tuple[int, bytes]]:
    """MAIL's, RCPT's and DATA's answers (fewer when one is refused): the three written ahead
    (``opened``) are answered already; else the three in one write (PIPELINING) or one at a time."""
    if opened:
        return [conn.getreply() for _ in range(3)]
    commands = _envelope_commands(envelope, pipelining)
    _write(conn, commands if pipelining else commands[:1])
    if pipelining:
        return [conn.getreply() for _ in commands]
    replies = _one_at_a_time(conn, commands)
    if _refusal(replies) is None:
        _write(conn, ["data"])
        replies.append(conn.getreply())
    return replies


class SmtpTransport:
    def __init__(self, url: str, timeout: float = SOCKET_TIMEOUT):
        self.host, self.port, self.tls = parse_smtp_url(url)
        self.username = urlsplit(url).username
        self.password = urlsplit(url).password
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None
        self._opened: tuple[str, str] | None = None  # (from, to) whose MAIL, RCPT and DATA are written, unanswered

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
        self, envelope: Envelope, before_data: BeforeData | None = None, then: Envelope | None = None
    ) -> Delivery:
        """``before_data`` (the caller's commit of "sending") first, then the envelope: MAIL, RCPT and
        DATA in one write when the server offers PIPELINING (one round trip), else one at a time;
        then the message.

        ``then``, the envelope the caller sends next: with PIPELINING its MAIL, RCPT and DATA follow
        this message's final dot in the same write (RFC 2920 lets message content open a group, and
        DATA ends one), so the server answers them, 354 included, while the caller commits its next
        claim; that send then writes only its message. DATA's 354 only invites the content: nothing
        is delivered before the final dot, and a transaction gone ahead but not sent (another message
        came next, or its claim was lost) is aborted by closing the connection (RFC 5321 §3.8), the
        one way out of a 354.

        A crash before the message leaves nothing at the server (an open transaction is
        dropped with the connection), so only the message's own round trip is ambiguous.
        """
        try:
            opened = self._opened_for(envelope)
            conn = self._connection()
            if before_data is not None and not self._claimed(before_data, opened):
                return NOT_CLAIMED  # nothing of this message written but MAIL and RCPT, reset
            pipelining = conn.has_extn("pipelining")
            replies = _envelope_replies(conn, envelope, pipelining, opened)
            if (refusal := _refusal(replies)) is not None:
                if len(replies) == 3 and replies[2][0] == 354:
                    self._drop()  # a server that said 354 anyway waits for a message: only closing aborts it
                else:
                    conn.rset()
                return Delivery(False, refusal[0], refusal[1].decode(errors="replace"))
            if replies[2][0] != 354:
                raise smtplib.SMTPDataError(*replies[2])
            following = _envelope_commands(then, pipelining=True) if then is not None and pipelining else []
            code, text = _message(conn, envelope.raw, following)
            if following:
                self._opened = (then.mail_from, then.rcpt_to)  # type: ignore[union-attr]
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

    def _opened_for(self, envelope: Envelope) -> bool:
        """Whether the last send already wrote this envelope's MAIL, RCPT and DATA (``then``); another
        envelope's transaction is aborted (a new connection then)."""
        opened, self._opened = self._opened, None
        if opened is None:
            return False
        if opened == (envelope.mail_from, envelope.rcpt_to):
            return True
        self._drop()
        return False

    def _claimed(self, before_data: BeforeData, opened: bool) -> bool:
        try:
            claimed = before_data()
        except BaseException:
            if opened:
                self._drop()  # a transaction gone ahead, maybe at 354: only closing aborts it
            raise
        if not claimed and opened:
            self._drop()
        return claimed

    def _drop(self) -> None:
        self._opened = None
        if self._conn is not None:
            self._conn.close()  # no QUIT: the connection is mid-conversation
            self._conn = None

    def close(self) -> None:
        self._opened = None
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._conn = None
