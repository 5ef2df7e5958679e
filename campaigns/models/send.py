"""The send ledger: one row per (enrollment, version, step), sent at most once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import str_enum


class SendState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # committed before SMTP DATA, under a lease
    SENT = "sent"
    DEFERRED = "deferred"  # a 4xx, a connection error or the frequency cap: tried again later
    BOUNCED = "bounced"  # a 5xx: the address is suppressed
    FAILED = "failed"  # gave up after too many deferrals
    SKIPPED = "skipped"  # suppressed, unsubscribed or exited at send time: never handed to SMTP
    UNKNOWN = "unknown"  # lease expired while sending: maybe delivered (RFC 1047); never resent


FINAL_STATES = frozenset({SendState.SENT, SendState.BOUNCED, SendState.FAILED, SendState.SKIPPED, SendState.UNKNOWN})


class Send(Base):
    __tablename__ = "sends"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "version_id", "step_id"),
        Index("ix_sends_lead_id_sent_at", "lead_id", "sent_at"),
        Index("ix_sends_rcpt_to", "rcpt_to"),  # a reply from an address a lead had before (inbound matching)
        # A sequence's per-step and per-variant counts, found through its versions (index-only).
        Index("ix_sends_version_step_variant_state", "version_id", "step_id", "variant", "state"),
        Index("ix_sends_sender_email_sent_at", "sender_email", "sent_at"),  # a mailbox's rolling daily cap
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("sequence_versions.id"))
    step_id: Mapped[str] = mapped_column(String(64))
    variant: Mapped[str | None] = mapped_column(String(32))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    rcpt_to: Mapped[str] = mapped_column(String(254))
    state: Mapped[SendState] = mapped_column(str_enum(SendState), default=SendState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    smtp_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # Written with the claim: the From address (per-mailbox caps) and the subject (threaded follow-ups).
    sender_email: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(998))
