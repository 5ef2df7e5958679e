"""Turning a ledger row into the exact bytes to send: render, track, assemble."""

from __future__ import annotations

import hashlib
import hmac
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from campaigns.models import Send
from campaigns.steps import EmailStep, EmailVariant, SequenceDefinition, TaskStep
from campaigns.threading import ThreadRef, reply_subject
from campaigns.versions import compiled_variant
from nurture.config import Settings
from nurture.mail.dkim_signing import load_key
from nurture.mail.mime import MimeParts, build_message
from nurture.mail.templating import RenderedEmail
from nurture.mail.tokens import TokenSigner
from nurture.mail.tracking import add_open_pixel, track_links
from nurture.mail.transport import Envelope
from nurture.models import Lead, User

if TYPE_CHECKING:
    from campaigns.identity import SenderIdentity

LEAD_FIELDS = ("first_name", "last_name", "email", "title", "phone", "country", "budget", "authority", "need", "timeline")


def choose_variant(step: EmailStep, enrollment_id: int) -> EmailVariant:
    """A stable weighted pick: the same enrollment always gets the same variant."""
    total = sum(v.weight for v in step.variants)
    point = zlib.crc32(f"{enrollment_id}:{step.id}".encode()) % total
    for variant in step.variants:
        if point < variant.weight:
            return variant
        point -= variant.weight
    return step.variants[0]


@lru_cache(maxsize=8)
def _message_id_mac(secret_key: str) -> hmac.HMAC:
    return hmac.new(secret_key.encode(), digestmod=hashlib.sha256)  # keyed once, copied per message


def message_id_for(send_id: int, settings: Settings) -> str:
    """Derived from the ledger row, so a resend attempt of the same row is recognisable."""
    mac = _message_id_mac(settings.secret_key).copy()
    mac.update(str(send_id).encode())
    digest = mac.hexdigest()[:16]
    domain = settings.sender_email.rsplit("@", 1)[-1]
    return f"<n{send_id}.{digest}@{domain}>"


def render_context(
    lead: Lead, owner: User | None, settings: Settings, sender_name: str, unsubscribe_url: str, signature: str = ""
) -> dict[str, Any]:
    company = lead.company
    return {
        "lead": {**{name: getattr(lead, name) for name in LEAD_FIELDS}, "custom": dict(lead.custom_fields or {})},
        "company": {"name": company.name, "domain": company.domain, "industry": company.industry} if company else {},
        "owner": {"name": owner.name, "email": owner.email} if owner else {},
        "sender_name": sender_name,
        "unsubscribe_url": unsubscribe_url,
        "postal_address": settings.postal_address,
        "signature": signature,  # the rep mailbox's, in cadences
    }


def sender_of(definition: SequenceDefinition, settings: Settings) -> tuple[str, str]:
    """(address, display name) a sequence's emails come from."""
    return definition.from_email or settings.sender_email, definition.from_name or settings.sender_name


def sender_for(definition: SequenceDefinition, settings: Settings, identity: SenderIdentity | None) -> tuple[str, str]:
    """(address, display name) of one email: the rep's mailbox in a cadence, else the sequence's sender."""
    return (identity.email, identity.name) if identity else sender_of(definition, settings)


def render_variant(
    lead: Lead, owner: User | None, definition: SequenceDefinition, variant: EmailVariant, settings: Settings,
    unsubscribe_url: str, identity: SenderIdentity | None = None,
) -> RenderedEmail:  # fmt: skip
    """The variant as ``lead`` reads it (sandboxed Jinja), before link tracking and MIME."""
    sender_name = sender_for(definition, settings, identity)[1]
    signature = identity.signature if identity else ""
    context = render_context(lead, owner, settings, sender_name, unsubscribe_url, signature)
    return compiled_variant(definition, variant).render(context)


def identity_headers(identity: SenderIdentity | None, thread: ThreadRef | None) -> tuple[tuple[str, str], ...]:
    """Reply-To of the rep's mailbox, and the reply headers of a threaded follow-up."""
    headers: tuple[tuple[str, str], ...] = ()
    if identity is not None and identity.reply_to:
        headers += (("Reply-To", identity.reply_to),)
    if thread is not None:
        headers += (("In-Reply-To", thread.message_id), ("References", thread.message_id))
    return headers


def build_envelope(
    send: Send,
    lead: Lead,
    owner: User | None,
    definition: SequenceDefinition,
    step: EmailStep | TaskStep,
    variant: EmailVariant,
    settings: Settings,
    signer: TokenSigner,
    identity: SenderIdentity | None = None,
    thread: ThreadRef | None = None,
) -> Envelope:
    """``identity``: a rep's mailbox (cadences); ``thread``: the first email this one replies to."""
    sender_email, sender_name = sender_for(definition, settings, identity)
    unsubscribe_url = f"{settings.base_url}/u/{signer.unsubscribe_token(send.id)}"
    rendered = render_variant(lead, owner, definition, variant, settings, unsubscribe_url, identity)
    subject = reply_subject(thread.subject or rendered.subject) if thread is not None else rendered.subject
    html = track_links(rendered.html, send.id, signer, settings.base_url, skip=frozenset({unsubscribe_url}))
    html = add_open_pixel(html, send.id, signer, settings.base_url)
    message_id = message_id_for(send.id, settings)
    raw = build_message(
        MimeParts(
            from_name=sender_name,
            from_email=sender_email,
            to=lead.email,
            subject=subject,
            message_id=message_id,
            text=rendered.text,
            html=html,
            list_unsubscribe=unsubscribe_url,
            extra_headers=(*identity_headers(identity, thread), ("X-Nurture-Send", str(send.id))),
        )
    )
    if settings.dkim_key_file and settings.dkim_selector and settings.dkim_domain:
        raw = load_key(settings.dkim_key_file, settings.dkim_selector, settings.dkim_domain).sign(raw)
    return Envelope(sender_email, lead.email, message_id, subject, raw)
