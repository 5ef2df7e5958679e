"""SMTP connections kept open across jobs in a worker process (a new connection per message halves throughput)."""

from __future__ import annotations

import atexit

from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.mail.outbox import OutboxTransport
from nurture.mail.smtp import SmtpTransport
from nurture.mail.transport import Transport

_pool: dict[str, SmtpTransport] = {}


def transport_for_job(settings: Settings, session: Session) -> Transport:
    if not settings.smtp_url:
        return OutboxTransport(session)
    transport = _pool.get(settings.smtp_url)
    if transport is None:
        transport = _pool[settings.smtp_url] = SmtpTransport(settings.smtp_url, timeout=settings.smtp_timeout_seconds)
    return transport


@atexit.register
def close_all() -> None:
    for transport in _pool.values():
        transport.close()
    _pool.clear()
