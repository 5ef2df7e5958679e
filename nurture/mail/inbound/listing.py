"""Pages of stored inbound messages for the admin, newest first, optionally of one kind."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from nurture.models import InboundKind, InboundMessage
from nurture.pagination import Page


def inbound_page(session: Session, kind: InboundKind | None, page: int = 1, per_page: int = 50) -> Page[InboundMessage]:
    where = [InboundMessage.kind == kind] if kind is not None else []
    total = session.scalar(select(func.count(InboundMessage.id)).where(*where)) or 0
    stmt = (
        select(InboundMessage)
        .where(*where)
        .options(defer(InboundMessage.raw))  # the list never needs the bodies
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(session.scalars(stmt)), total, page, per_page)
