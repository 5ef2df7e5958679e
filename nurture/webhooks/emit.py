"""Emitting lead events: one outbox row per subscribed endpoint, in the caller's transaction.

The rows commit (or roll back) with the change they report, so an event is
never lost to a crash or a Redis flush, and never sent for a change that did
not happen. Cheap when nobody listens: one small query per transaction (the
active endpoints, cached in the session until it commits), no rows, no JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from nurture.db.base import utcnow
from nurture.leads.serialize import lead_json
from nurture.models import DeliveryState, Lead, WebhookDelivery, WebhookEndpoint
from nurture.webhooks.events import EVENT_TYPES

_CACHE = "nurture.webhooks.subscribers"


def subscribers(session: Session, event_type: str) -> list[int]:
    """Ids of the active endpoints subscribed to ``event_type`` (queried once per transaction)."""
    transaction = session.get_transaction()
    cached = session.info.get(_CACHE)
    if cached is None or transaction is None or cached[0] is not transaction:
        endpoints = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active)).all()
        by_type: dict[str, list[int]] = {}
        for endpoint_id, events in endpoints:
            for name in events or ():
                by_type.setdefault(name, []).append(endpoint_id)
        cached = (session.get_transaction(), by_type)
        session.info[_CACHE] = cached
    return cached[1].get(event_type, [])


def event_body(event_id: str, event_type: str, created_at: datetime, data: dict[str, Any]) -> str:
    return json.dumps({"id": event_id, "type": event_type, "created_at": created_at.isoformat(), "data": data},
                      separators=(",", ":"), ensure_ascii=False)  # fmt: skip


def emit(session: Session, event_type: str, lead: Lead, now: datetime | None = None) -> int:
    """Queue ``event_type`` about ``lead`` for every subscribed endpoint; returns the rows written."""
    return _write(session, event_type, [lead], now)


def emit_many(session: Session, event_type: str, lead_ids: Iterable[int], now: datetime | None = None) -> int:
    """The same for leads written in bulk (imports): one lookup of the leads, one insert."""
    ids = list(lead_ids)
    if not ids or not subscribers(session, event_type):
        return 0
    leads = list(session.scalars(select(Lead).where(Lead.id.in_(ids)).order_by(Lead.id)).unique())
    return _write(session, event_type, leads, now)


def _write(session: Session, event_type: str, leads: list[Lead], now: datetime | None) -> int:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoint_ids = subscribers(session, event_type)
    if not endpoint_ids or not leads:
        return 0
    now = now or utcnow()
    rows = []
    for lead in leads:
        event_id = f"evt_{uuid.uuid4().hex}"
        body = event_body(event_id, event_type, now, lead_json(lead))
        rows.extend(
            {"endpoint_id": endpoint_id, "event_id": event_id, "event_type": event_type, "body": body,
             "state": DeliveryState.PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}
            for endpoint_id in endpoint_ids
        )  # fmt: skip
    session.execute(insert(WebhookDelivery), rows)
    return len(rows)
