"""Mail that came back to us (replies, bounces, auto-replies): kept with what it was and what it matched."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import str_enum


class InboundKind(StrEnum):
    HARD_BOUNCE = "hard_bounce"  # a permanent delivery failure (5.x.x): the address is suppressed
    SOFT_BOUNCE = "soft_bounce"  # a temporary one (4.x.x, mailbox full): counted, suppressed after several
    DELAY_NOTICE = "delay_notice"  # "still trying" (Action: delayed): kept, no action
    OUT_OF_OFFICE = "out_of_office"  # an auto-reply saying someone is away, maybe until a date
    AUTO_REPLY = "auto_reply"  # other machine mail (tickets, receipts, success DSNs): ignored
    HUMAN_REPLY = "human_reply"


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_messages_address_kind_received_at", "address", "kind", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The message's own Message-ID (or a digest of its bytes when it has none): a message is processed once.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(200))  # "api", or the mailbox it was polled from (no password)
    kind: Mapped[InboundKind] = mapped_column(str_enum(InboundKind))
    from_address: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    # The address it is about: the failed recipient of a bounce, else the sender.
    address: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str | None] = mapped_column(String(16))  # the DSN status code, e.g. 5.1.1
    detail: Mapped[str] = mapped_column(String(500), default="")
    return_on: Mapped[date | None]  # out-of-office: the day the person says they are back
    # What it matched: the ledger row (campaigns' sends) and the lead, and how.
    send_id: Mapped[int | None] = mapped_column(index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    matched_by: Mapped[str] = mapped_column(String(20), default="none")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # every failed recipient, what was done
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # the first RAW_KEPT_BYTES of the message
    raw_size: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
