"""Recording what leads do with sent emails: opens, clicks, unsubscribes.

Called only after a token's signature was verified. Every event is kept; machine
events (scanners, privacy proxies, the hidden honeypot link, clicks within seconds
of delivery, every link of a message clicked at once) are flagged with the
reason and never score.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.enrollments import exit_live_enrollments
from campaigns.models import Send
from nurture.leads.timeline import record_event
from nurture.mail.bots import machine_reason
from nurture.mail.suppression import suppress
from nurture.models import EmailEvent, Lead
from nurture.webhooks.emit import emit

BURST_WINDOW = timedelta(seconds=3)
BURST_LINKS = 3


def record_engagement(
    session: Session, send_id: int, kind: str, now: datetime, *, url: str | None = None,
    user_agent: str | None = None, ip: str | None = None,
) -> bool:  # fmt: skip
    """Add an open or click for a real sent message; returns False for an unknown send."""
    send = session.get(Send, send_id)
    if send is None:
        return False
    reason = machine_reason(kind, user_agent, now, send.sent_at, url)
    event = EmailEvent(
        send_id=send.id, lead_id=send.lead_id, kind=kind, url=url[:2048] if url else None,
        user_agent=(user_agent or "")[:500] or None, ip=(ip or "")[:45] or None, occurred_at=now,
        is_machine=reason is not None, machine_reason=reason,
    )  # fmt: skip
    session.add(event)
    if kind == "click":
        _flag_burst(session, event)
    return True


def _flag_burst(session: Session, click: EmailEvent) -> None:
    """Several different links of one message clicked within a moment by one agent: a scanner walking them all."""
    session.flush()
    recent = session.scalars(
        select(EmailEvent).where(
            EmailEvent.send_id == click.send_id,
            EmailEvent.kind == "click",
            EmailEvent.user_agent.is_(None) if click.user_agent is None else EmailEvent.user_agent == click.user_agent,
            EmailEvent.occurred_at >= click.occurred_at - BURST_WINDOW,
        )
    ).all()
    if len({e.url for e in recent}) >= BURST_LINKS:
        for event in recent:
            if not event.is_machine:
                event.is_machine, event.machine_reason = True, "every link clicked at once"


def unsubscribe(session: Session, send_id: int, now: datetime, *, how: str) -> Lead | None:
    """Suppress the address of a sent message everywhere, at once; idempotent. None for an unknown send."""
    send = session.get(Send, send_id)
    if send is None:
        return None
    lead = session.get(Lead, send.lead_id)
    if suppress(session, send.rcpt_to, "unsubscribed", how):
        session.add(EmailEvent(send_id=send.id, lead_id=send.lead_id, kind="unsubscribe", occurred_at=now, data={"how": how}))
        if lead is not None:
            record_event(session, lead, "unsubscribed", f"Unsubscribed ({how})", {"send_id": send.id, "email": send.rcpt_to})
            exit_live_enrollments(session, lead, "Unsubscribed", now)
            emit(session, "lead.unsubscribed", lead, now)
    return lead
