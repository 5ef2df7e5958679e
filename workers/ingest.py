"""The ingest consumer: tracked opens and clicks from the Redis stream into the database, in batches.

Entries are acknowledged (and deleted) only after the batch is committed. A
consumer killed mid-batch leaves them pending; any consumer claims them with
XAUTOCLAIM once they have been idle ``claim_idle_ms``, and an entry written
before the crash is skipped by its stream id, so nothing is lost or doubled.

It runs as a scheduler task every 0.1 s (workers/scheduler.py): the scheduler
is the one process every setup runs (``nurture up`` starts it), its lock keeps
one ingest writer at a time so rows are committed in id order for the
handoff's change feed, and one read per tick is cheap when the stream is empty.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from redis import Redis, ResponseError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.faults import fault_point
from campaigns.tracked_events import GROUP, STREAM, TrackedEvent, from_fields
from campaigns.tracking import record_engagements
from nurture.config import Settings
from workers.context import job_session

log = logging.getLogger("nurture.ingest")
BATCH = 1000
CLAIM_IDLE_MS = 10_000
BUDGET_SECONDS = 0.5  # per scheduler tick: a flood of clicks delays the other tasks by at most this
FORGET_CONSUMERS_AFTER_MS = 3_600_000
HOUSEKEEPING_SECONDS = 60.0

Entry = tuple[bytes, dict[bytes, bytes] | None]


class EventIngest:
    def __init__(self, consumer: str | None = None, batch: int = BATCH, claim_idle_ms: int = CLAIM_IDLE_MS):
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}"
        self.batch = batch
        self.claim_idle_ms = claim_idle_ms
        self.group_ready = False
        self.last_housekeeping = 0.0
        self.fault: str | None = None  # crash tests: NURTURE_FAULT=ingest.before_commit:n / ingest.after_commit:n

    def __call__(self, settings: Settings, connection: Redis) -> int:
        """The scheduler task: drain what is there, within the tick's budget."""
        self.fault = settings.fault
        self.claim_idle_ms = int(settings.ingest_claim_idle_seconds * 1000)
        with job_session() as session:
            return self.drain(session, connection, BUDGET_SECONDS)

    def drain(self, session: Session, connection: Redis, budget_seconds: float = 30.0) -> int:
        """Read, write and acknowledge batches until the stream is empty or the budget is spent; returns entries done."""
        deadline = time.monotonic() + budget_seconds
        done = 0
        while True:
            entries = self.read(connection)
            if entries:
                self.write(session, entries)
                fault_point("ingest.after_commit", self.fault)
                self.ack(connection, [entry_id for entry_id, _fields in entries])
                done += len(entries)
            if len(entries) < self.batch or time.monotonic() >= deadline:
                break
        self._housekeeping(connection)
        return done

    def read(self, connection: Redis) -> list[Entry]:
        """Entries idle too long in a dead consumer's hands, then new ones: one round trip."""
        if not self.group_ready:
            self._create_group(connection)
        pipe = connection.pipeline(transaction=False)
        pipe.xautoclaim(STREAM, GROUP, self.consumer, self.claim_idle_ms, start_id="0-0", count=self.batch)
        pipe.xreadgroup(GROUP, self.consumer, {STREAM: ">"}, count=self.batch)
        try:
            claimed, fresh = pipe.execute()
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self.group_ready = False  # Redis was flushed: create the group again next time
            return []
        entries: list[Entry] = list(claimed[1])
        for _stream, stream_entries in fresh or []:
            entries.extend(stream_entries)
        return entries

    def write(self, session: Session, entries: list[Entry]) -> None:
        events: list[TrackedEvent] = []
        for entry_id, fields in entries:
            try:
                events.append(from_fields(entry_id, fields or {}))
            except (KeyError, ValueError):  # not ours: say so, and do not let it block the stream
                log.error("dropping malformed tracking entry %s: %r", entry_id, fields)
        try:
            record_engagements(session, events)
            fault_point("ingest.before_commit", self.fault)
            session.commit()
        except IntegrityError:  # another consumer wrote some of them meanwhile: those are skipped on retry
            session.rollback()
            record_engagements(session, events)
            session.commit()

    def ack(self, connection: Redis, entry_ids: list[bytes]) -> None:
        pipe = connection.pipeline(transaction=False)
        pipe.xack(STREAM, GROUP, *entry_ids)
        pipe.xdel(STREAM, *entry_ids)
        pipe.execute()

    def _create_group(self, connection: Redis) -> None:
        try:
            # From the start: entries appended before the group existed are ingested too.
            connection.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self.group_ready = True

    def _housekeeping(self, connection: Redis) -> None:
        """Forget consumers of past processes once they hold nothing (each restart adds one)."""
        if time.monotonic() - self.last_housekeeping < HOUSEKEEPING_SECONDS:
            return
        self.last_housekeeping = time.monotonic()
        consumers: list[dict[str, Any]] = connection.xinfo_consumers(STREAM, GROUP)
        for consumer in consumers:
            name = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
            if name != self.consumer and consumer["pending"] == 0 and consumer["idle"] > FORGET_CONSUMERS_AFTER_MS:
                connection.xgroup_delconsumer(STREAM, GROUP, name)


def pending(connection: Redis) -> int:
    """Entries in the stream not yet written to the database (new or unacknowledged)."""
    return int(connection.xlen(STREAM))
