"""Running queued jobs in the test's process: a real RQ SimpleWorker in burst mode, on the test's database."""

from __future__ import annotations

from rq import SimpleWorker
from sqlalchemy.orm import Session, sessionmaker

from nurture.config import Settings
from workers import context
from workers.connection import redis_connection
from workers.queues import all_queues


def work_off(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    """Run every queued job until the queues are empty, as ``nurture worker --burst`` would."""
    context.configure(settings, session_factory)
    connection = redis_connection(settings)
    SimpleWorker(all_queues(connection), connection=connection).work(burst=True, logging_level="WARNING")


def workers_seen_from_a_job() -> list[tuple[str, str | None]]:
    """A job that looks at the workers while it runs: its own worker must be busy with it."""
    from rq import get_current_job

    from workers.queue_status import worker_rows

    job = get_current_job()
    assert job is not None
    return [(row.state, row.current_job) for row in worker_rows(job.connection)]
