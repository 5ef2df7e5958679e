"""What the queue page shows, read from RQ's own data: queues, workers, failed jobs; retry and delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis import Redis
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job

from workers.job_status import last_error
from workers.progress import ProgressBoard
from workers.queues import all_queues, queue

FAILED_SHOWN = 50


@dataclass
class QueueRow:
    name: str
    queued: int
    started: int
    scheduled: int
    deferred: int
    failed: int


@dataclass
class WorkerRow:
    name: str
    hostname: str | None
    pid: int | None
    state: str
    queues: list[str]
    current_job: str | None  # the job's description, e.g. "workers.import_jobs.run_import('…')"
    last_heartbeat: datetime | None
    successful: int
    failed: int


@dataclass
class FailedJob:
    id: str
    queue: str
    description: str
    ended_at: datetime | None
    error: str  # the exception's last line
    traceback: str


def queue_rows(connection: Redis) -> list[QueueRow]:
    return [
        QueueRow(
            q.name,
            q.count,
            q.started_job_registry.count,
            q.scheduled_job_registry.count,
            q.deferred_job_registry.count,
            q.failed_job_registry.count,
        )
        for q in all_queues(connection)
    ]


def worker_rows(connection: Redis) -> list[WorkerRow]:
    rows = []
    for worker in Worker.all(connection=connection):
        job = worker.get_current_job()
        rows.append(
            WorkerRow(
                worker.name,
                worker.hostname,
                worker.pid,
                str(worker.get_state()),
                worker.queue_names(),
                job.description if job is not None else None,
                worker.last_heartbeat,
                worker.successful_job_count,
                worker.failed_job_count,
            )
        )
    return sorted(rows, key=lambda row: row.name)


def failed_jobs(connection: Redis, limit: int = FAILED_SHOWN) -> list[FailedJob]:
    """The most recent failures of every queue, newest first."""
    found = []
    for q in all_queues(connection):
        job_ids = q.failed_job_registry.get_job_ids(0, limit - 1, desc=True)
        for job in Job.fetch_many(job_ids, connection=connection):
            if job is None:  # expired between the two reads
                continue
            result = job.latest_result()
            found.append(
                FailedJob(
                    job.id,
                    q.name,
                    job.description or job.func_name,
                    job.ended_at,
                    last_error(job),
                    (result.exc_string or "") if result is not None else "",
                )
            )
    found.sort(key=lambda f: f.ended_at or datetime.min, reverse=True)
    return found[:limit]


def _failed(connection: Redis, queue_name: str, job_id: str) -> Job | None:
    registry = queue(queue_name, connection).failed_job_registry
    if job_id not in registry.get_job_ids():
        return None
    try:
        return Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        registry.remove(job_id)
        return None


def retry_failed(connection: Redis, queue_name: str, job_id: str) -> bool:
    """Put a failed job back on its queue (False when it is no longer failed)."""
    job = _failed(connection, queue_name, job_id)
    if job is None:
        return False
    queue(queue_name, connection).failed_job_registry.requeue(job)
    ProgressBoard(connection).requeued(job.id)
    return True


def delete_failed(connection: Redis, queue_name: str, job_id: str) -> bool:
    job = _failed(connection, queue_name, job_id)
    if job is None:
        return False
    queue(queue_name, connection).failed_job_registry.remove(job, delete_job=True)
    return True
