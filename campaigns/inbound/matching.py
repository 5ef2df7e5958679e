"""Which sent message (ledger row) and lead an inbound message is about.

Our Message-IDs derive from the ledger row (campaigns.messages.message_id_for),
so In-Reply-To / References, or the original headers a bounce carries, name
the row; the HMAC in the id is checked, so a forged id matches nothing. Failing
that: a bounce's failed address, or the sender's address, names a lead.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from email.message import Message

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.messages import message_id_for
from campaigns.models import Send
from nurture.config import Settings
from nurture.mail.inbound.classify import Classification
from nurture.mail.inbound.parsing import header, message_ids
from nurture.models import Lead

OUR_MESSAGE_ID = re.compile(r"<?n(\d{1,18})\.([0-9a-f]{16})@[^<>\s]+>?")


@dataclass
class Match:
    send: Send | None
    lead: Lead | None
    how: str  # in_reply_to, references, original_message, sender, failed_address, none


def send_id_of(message_id: str, settings: Settings) -> int | None:
    """The ledger row an id of ours names, when its HMAC is right."""
    found = OUR_MESSAGE_ID.fullmatch(message_id.strip())
    if not found:
        return None
    send_id = int(found.group(1))
    expected = message_id_for(send_id, settings)[1:].split("@", 1)[0]
    return send_id if hmac.compare_digest(expected, f"n{send_id}.{found.group(2)}") else None


def find_send(session: Session, settings: Settings, ids: list[str]) -> Send | None:
    for message_id in ids:
        send_id = send_id_of(message_id, settings)
        if send_id is not None and (send := session.get(Send, send_id)) is not None:
            return send
    # Ids made with another secret (rotated) are still in the ledger.
    if ids:
        return session.scalars(select(Send).where(Send.message_id.in_(ids[:50])).order_by(Send.id.desc()).limit(1)).first()
    return None


def _lead_by_email(session: Session, address: str) -> Lead | None:
    """The lead with this address, else the lead we last wrote to at it (any of its addresses: one it
    had before its email changed is still its own)."""
    if not address:
        return None
    lead = session.scalar(select(Lead).where(Lead.email == address.lower()))
    if lead is None:
        lead_id = session.scalar(select(Send.lead_id).where(Send.rcpt_to == address.lower()).order_by(Send.id.desc()).limit(1))
        lead = session.get(Lead, lead_id) if lead_id is not None else None
    return lead


def match(session: Session, settings: Settings, message: Message, raw: bytes, classification: Classification) -> Match:
    report = classification.report
    if report is not None:
        # A bounce names the message that bounced: its attached headers, or our id anywhere in its text.
        ids = [report.original_message_id] if report.original_message_id else []
        ids += [m.group(0) for m in OUR_MESSAGE_ID.finditer(raw.decode("latin-1"))][:20]
        send = find_send(session, settings, [i if i.startswith("<") else f"<{i}>" for i in ids])
        if send is not None:
            return Match(send, session.get(Lead, send.lead_id), "original_message")
        addresses = [r.address for r in report.recipients]
        lead = next((lead for a in addresses if (lead := _lead_by_email(session, a)) is not None), None)
        return Match(None, lead, "failed_address" if lead else "none")
    for how, ids in (
        ("in_reply_to", message_ids(header(message, "In-Reply-To"))),
        ("references", list(reversed(message_ids(header(message, "References"))))),
    ):
        send = find_send(session, settings, ids)
        if send is not None:
            return Match(send, session.get(Lead, send.lead_id), how)
    lead = _lead_by_email(session, classification.sender)
    return Match(None, lead, "sender" if lead else "none")
