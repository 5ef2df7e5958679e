"""``nurture worker``: an RQ SimpleWorker (jobs run in-process, no fork per job)."""

from __future__ import annotations

import logging

from rq import SimpleWorker
from sqlalchemy.exc import SQLAlchemyError

from nurture.config import Settings
from workers import context
from workers.connection import redis_connection
from workers.queues import all_queues

log = logging.getLogger(__name__)


def warm_up() -> None:
    """The send batch's ORM set-up and statements, ready before the first job (execution.warm_up).
    A database not reachable or not migrated yet is the first job's to report, not the start's."""
    from campaigns.execution import warm_up as warm_up_batches

    try:
        with context.job_session() as session:
            warm_up_batches(session, context.settings())
    except SQLAlchemyError as exc:
        log.warning("worker warm-up skipped: %s", exc)


def run_worker(settings: Settings, *, burst: bool = False) -> bool:
    from workers import jobs  # noqa: F401  (imported now rather than inside the first job's time)

    context.configure(settings)
    warm_up()
    connection = redis_connection(settings)
    worker = SimpleWorker(all_queues(connection), connection=connection)
    return worker.work(burst=burst, logging_level="WARNING")
