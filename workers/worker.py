"""``nurture worker``: an RQ SimpleWorker (jobs run in-process, no fork per job)."""

from __future__ import annotations

from rq import SimpleWorker

from nurture.config import Settings
from workers import context
from workers.connection import redis_connection
from workers.queues import all_queues


def run_worker(settings: Settings, *, burst: bool = False) -> bool:
    from workers import jobs  # noqa: F401  (imported now rather than inside the first job's time)

    context.configure(settings)
    connection = redis_connection(settings)
    worker = SimpleWorker(all_queues(connection), connection=connection)
    return worker.work(burst=burst, logging_level="WARNING")
