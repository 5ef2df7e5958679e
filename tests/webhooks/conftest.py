"""Webhook fixtures: a real HTTP receiver, endpoints, and the engine helpers of the campaign tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from nurture.db.base import utcnow
from nurture.webhooks.endpoints import create_endpoint
from tests.campaigns.conftest import Clock, engine_settings, make_lead, make_sequence, smtp_transport, tick  # noqa: F401
from tests.webhook_receiver import Receiver


@pytest.fixture
def clock() -> Clock:
    # Events are stamped with the real time when they happen: the driven clock starts a little after.
    return Clock(utcnow().replace(microsecond=0) + timedelta(seconds=10))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def make_endpoint(session: Any, receiver: Receiver) -> Any:
    def make(events: list[str] | None = None, active: bool = True, url: str | None = None):
        endpoint = create_endpoint(
            session, {"url": url or receiver.url, "events": events or ["lead.created"], "active": active}
        )
        session.commit()
        return endpoint

    return make
