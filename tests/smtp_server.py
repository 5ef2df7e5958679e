"""A real SMTP server (aiosmtpd) that keeps what it receives, for tests."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = b""  # the content as the server took it (dots unstuffed)


def with_pipelining(session: Any, hostname: str, responses: list[str]) -> list[str]:
    """EHLO's answer with PIPELINING (RFC 2920), which aiosmtpd handles (it reads one command at a
    time from its stream) but does not advertise; real MTAs (Postfix, Exim, hosted ESPs) do."""
    session.host_name = hostname  # what aiosmtpd does itself when there is no hook
    return [*responses[:-1], "250-PIPELINING", responses[-1]]


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    # Recipients answered with this (code, text) at RCPT time, e.g. {"x@y.com": "550 5.1.1 No such user"}.
    refuse: dict[str, str] = field(default_factory=dict)
    # Recipients whose message is kept (delivered) but whose connection drops before the server's 250.
    drop_before_reply: set[str] = field(default_factory=set)
    pipelining: bool = True
    # What the server was given, in order: "RCPT <address>", "354 <recipients>" (DATA's go-ahead
    # given) and "DATA <recipients>" (the message received).
    commands: list[str] = field(default_factory=list)

    ehlos: int = 0  # one a connection (no STARTTLS here)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.ehlos += 1
        if not self.pipelining:
            session.host_name = hostname
            return responses
        return with_pipelining(session, hostname, responses)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        self.commands.append(f"RCPT {address}")
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.commands.append(f"DATA {','.join(envelope.rcpt_tos)}")
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.original_content))  # type: ignore[arg-type]
        if self.drop_before_reply.intersection(envelope.rcpt_tos):
            server.transport.close()  # RFC 1047: delivered, and the client never hears the 250
        return "250 Message accepted for delivery"


class _RecordingSMTP(SMTP):
    """aiosmtpd's server, noting in the handler's ``commands`` when it gives DATA's go-ahead (354):
    its handlers only hear of DATA once the message has arrived."""

    async def smtp_DATA(self, arg: str) -> None:
        if self.envelope is not None and self.envelope.rcpt_tos and not arg:
            self.event_handler.commands.append(f"354 {','.join(self.envelope.rcpt_tos)}")
        await super().smtp_DATA(arg)


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _RecordingSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.controller = _Controller(self.handler, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
