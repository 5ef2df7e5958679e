"""Recording what leads do with sent emails: opens, clicks, unsubscribes.

Called only after a token's signature was verified. Events are kept raw; bot
and scanner filtering (issue 4) flags them later without losing any.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.enrollments import exit_live_enrollments
from campaigns.models import Send
from nurture.leads.timeline import record_event
from nurture.mail.suppression import suppress
from nurture.models import EmailEvent, Lead


def record_engagement(
    session: Session, send_id: int, kind: str, now: datetime, *, url: str | None = None,
    user_agent: str | None = None, ip: str | None = None,
) -> bool:  # fmt: skip
    """Add an open or click for a real sent message; returns False for an unknown send."""
    send = session.get(Send, send_id)
    if send is None:
        return False
    session.add(
        EmailEvent(
            send_id=send.id, lead_id=send.lead_id, kind=kind, url=url[:2048] if url else None,
            user_agent=(user_agent or "")[:500] or None, ip=(ip or "")[:45] or None, occurred_at=now,
        )
    )  # fmt: skip
    return True


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
    return lead
