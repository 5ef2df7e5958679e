"""Helpers for engine tests: leads, sequences, and a clock the test drives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from campaigns.claiming import claim_due
from campaigns.execution import run_claim
from campaigns.sequences import activate, create_sequence
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.mail.smtp import SmtpTransport


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # a Monday


@pytest.fixture
def make_lead(session):
    def make(email: str, **fields: Any):
        lead = create_lead(session, validate_lead_input({"email": email, **fields}), reason="test")
        session.commit()
        return lead

    return make


@pytest.fixture
def make_sequence(session, clock):
    def make(definition: dict[str, Any], name: str = "Welcome", **extra: Any):
        sequence = create_sequence(session, {"name": name, "definition": definition, **extra})
        activate(session, sequence, clock())
        session.commit()
        return sequence

    return make


@pytest.fixture
def engine_settings(settings):
    return settings.with_(
        sender_email="news@nurture.test",
        postal_address="Nurture Inc., 1 Test Street, Testville",
        frequency_cap_per_day=0,
        retry_backoff_seconds=(60.0, 120.0, 240.0),
    )


@pytest.fixture
def tick(session, engine_settings, clock):
    """One scheduler pass at the clock's time, sending through ``transport``."""

    def run(transport, settings=None) -> int:
        settings = settings or engine_settings
        total = 0
        while True:
            claim = claim_due(session, clock(), settings.batch_size, settings.claim_lease_seconds)
            if not claim.enrollment_ids:
                return total
            total += sum(run_claim(session, settings, claim, transport, clock=clock).values())

    return run


@pytest.fixture
def smtp_transport(smtp_sink):
    transport = SmtpTransport(smtp_sink.url, timeout=5)
    yield transport
    transport.close()
