"""Queues by purpose (after redash): what runs first when workers are busy."""

from __future__ import annotations

from redis import Redis
from rq import Queue

# Order matters: a worker takes from the first queue that has work.
URGENT = "urgent"  # handoffs, notifications: speed-to-lead
SEND = "send"  # batches of scheduled emails
DEFAULT = "default"  # imports, bulk jobs
QUEUE_NAMES = (URGENT, SEND, DEFAULT)


def queue(name: str, connection: Redis) -> Queue:
    return Queue(name, connection=connection)


def all_queues(connection: Redis) -> list[Queue]:
    return [queue(name, connection) for name in QUEUE_NAMES]
