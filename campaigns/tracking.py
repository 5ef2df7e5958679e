"""Recording what leads do with sent emails: opens, clicks, unsubscribes.

Called only after a token's signature was verified. Every event is kept; machine
events (scanners, privacy proxies, the hidden honeypot link, clicks within seconds
of delivery, every link of a message clicked at once) are flagged with the
reason and never score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.enrollments import exit_live_enrollments
from campaigns.link_bursts import flag_bursts
from campaigns.models import Send
from campaigns.tracked_events import TrackedEvent
from nurture.leads.timeline import record_event
from nurture.mail.bots import machine_reason
from nurture.mail.suppression import suppress
from nurture.models import EmailEvent, Lead
from nurture.webhooks.emit import emit


def record_engagements(session: Session, events: Sequence[TrackedEvent]) -> list[EmailEvent]:
    """Add opens and clicks in one go (flushed, not committed); returns the rows added.

    Events of unknown sends are dropped, and so are stream entries already written
    (same ``stream_id``): recording a redelivered batch again adds nothing.
    """
    stream_ids = {e.stream_id for e in events if e.stream_id}
    done = set(session.scalars(select(EmailEvent.stream_id).where(EmailEvent.stream_id.in_(stream_ids)))) if stream_ids else set()
    sends = {row.id: row for row in session.execute(
        select(Send.id, Send.lead_id, Send.sent_at).where(Send.id.in_({e.send_id for e in events})))} if events else {}  # fmt: skip
    added = []
    for e in events:
        send = sends.get(e.send_id)
        if send is None or (e.stream_id is not None and e.stream_id in done):
            continue
        done.add(e.stream_id)
        reason = machine_reason(e.kind, e.user_agent, e.occurred_at, send.sent_at, e.url)
        added.append(EmailEvent(
            send_id=send.id, lead_id=send.lead_id, kind=e.kind, url=e.url[:2048] if e.url else None,
            user_agent=(e.user_agent or "")[:500] or None, ip=(e.ip or "")[:45] or None, occurred_at=e.occurred_at,
            is_machine=reason is not None, machine_reason=reason, stream_id=e.stream_id,
        ))  # fmt: skip
    session.add_all(added)
    flag_bursts(session, [event for event in added if event.kind == "click"])
    session.flush()
    return added


def record_engagement(
    session: Session, send_id: int, kind: str, now: datetime, *, url: str | None = None,
    user_agent: str | None = None, ip: str | None = None,
) -> bool:  # fmt: skip
    """Add one open or click for a real sent message; returns False for an unknown send."""
    return bool(record_engagements(session, [TrackedEvent(send_id, kind, now, url, user_agent, ip)]))


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
