"""Clicks written straight to the event table, as the ingest leaves them, for handoff tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from nurture.models import EmailEvent, Lead


def add_clicks(session, lead: Lead, count: int, at: datetime, machine: bool = False) -> None:
    """``count`` clicks in the minutes before ``at``, recorded just before it (the handoff feed reads ``recorded_at``)."""
    for n in range(count):
        session.add(EmailEvent(send_id=1, lead_id=lead.id, kind="click", url=f"https://x.test/{n}", is_machine=machine,
                               occurred_at=at - timedelta(minutes=n + 1), recorded_at=at - timedelta(seconds=1)))  # fmt: skip
    session.commit()
