"""Proofs: a step's email rendered for a real lead, to look at or to send to oneself as a test.

Rendered by the same sandboxed templates and MIME assembly that sending uses, but
outside the ledger: no send row, no tracking links or open pixel, no events, and an
unsubscribe link that goes nowhere, so a proof never counts as mail to the lead.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from campaigns.messages import render_variant, sender_of
from campaigns.steps import EmailVariant, SequenceDefinition
from nurture.config import Settings
from nurture.errors import ValidationError
from nurture.mail.mime import MimeParts, build_message
from nurture.mail.transport import Delivery, Envelope, Transport
from nurture.models import Lead, User

TEST_PREFIX = "[Test] "


def proof_envelope(
    session: Session, settings: Settings, definition: SequenceDefinition, variant: EmailVariant, lead: Lead,
    *, to: str | None = None, test: bool = False,
) -> Envelope:  # fmt: skip
    """The message ``lead`` would get from ``variant``, addressed to ``to`` (a test send) or to the lead (a preview)."""
    owner = session.get(User, lead.owner_user_id) if lead.owner_user_id else None
    sender_email, sender_name = sender_of(definition, settings)
    try:
        rendered = render_variant(lead, owner, definition, variant, settings, f"{settings.base_url}/u/test-send")
    except Exception as exc:  # noqa: BLE001 (a marketer's template failing for this lead is input error)
        raise ValidationError({"template": f"The template could not be rendered for this lead: {exc}"}) from None
    subject = TEST_PREFIX + rendered.subject if test else rendered.subject
    recipient = to or lead.email
    message_id = f"<test.{secrets.token_hex(10)}@{sender_email.rsplit('@', 1)[-1]}>"
    raw = build_message(
        MimeParts(
            from_name=sender_name,
            from_email=sender_email,
            to=recipient,
            subject=subject,
            message_id=message_id,
            text=rendered.text,
            html=rendered.html,
            extra_headers=(("X-Nurture-Test", f"rendered for lead {lead.id}"),) if test else (),
        )
    )
    return Envelope(sender_email, recipient, message_id, subject, raw)


def send_test(
    session: Session, settings: Settings, transport: Transport, definition: SequenceDefinition,
    variant: EmailVariant, lead: Lead, to: str,
) -> Delivery:  # fmt: skip
    """Send the lead's rendering of ``variant`` to ``to`` (the person testing), subject marked [Test]."""
    return transport.send(proof_envelope(session, settings, definition, variant, lead, to=to, test=True))
