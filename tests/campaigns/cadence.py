"""Helpers for cadence tests: a rep with a mailbox, an owned lead enrolled in a cadence, and a clock that jumps to due work."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func, select

from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState
from nurture.models import Role, User
from nurture.users.mailbox import save_mailbox
from tests.sales import sales_lead

WINDOW = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
FOOTER = "<p>{{ postal_address }} <a href='{{ unsubscribe_url }}'>Unsubscribe</a></p>"


def rep_with_mailbox(session, email="rita@example.com", **mailbox: Any) -> User:
    """A rep (no password: engine tests never log in, and hashing one costs a second) with a mailbox."""
    rep = User(email=email, name="Rita", role=Role.REP, password_hash="!")
    session.add(rep)
    session.flush()
    values = {"from_name": "Rita Rep", "from_email": "rita@sales.example", "reply_to": "rita.replies@sales.example",
              "signature": "Rita Rep\nAccount Executive", **mailbox}  # fmt: skip
    save_mailbox(session, rep, values)
    session.commit()
    return rep


def enrolled(session, sequence, rep, clock, email="sam@acme.com", **fields: Any):
    lead = sales_lead(session, rep, email, **fields)
    enrollment = enroll(session, sequence, lead, now=clock(), by="test")
    session.commit()
    return lead, enrollment


def run_until_idle(session, clock, tick, transport, limit=40) -> None:
    """Tick, then jump the clock to the next due enrollment, until none is left active."""
    for _ in range(limit):
        tick(transport)
        due = session.scalar(select(func.min(Enrollment.next_run_at)).where(Enrollment.state == EnrollmentState.ACTIVE))
        if due is None:
            return
        clock.now = max(clock.now, due)
    raise AssertionError("the cadence did not finish")


def parsed(received) -> EmailMessage:
    return message_from_bytes(received.message.as_bytes(), policy=policy.default)  # type: ignore[return-value]


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()
