"""The web side of background jobs: the Redis connection, enqueueing, and a job's progress as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, jsonify
from redis import Redis

from workers.connection import redis_connection
from workers.job_status import job_progress
from workers.progress import Progress, ProgressBoard
from workers.queues import DEFAULT, queue

JOB_TIMEOUT_SECONDS = 4 * 3600
FAILURE_TTL_SECONDS = 7 * 24 * 3600


def job_connection() -> Redis:
    """One connection pool per app; a clear 503 when no Redis is configured (``nurture up`` always has one)."""
    connection = current_app.extensions.get("nurture.jobs_redis")
    if connection is None:
        settings = current_app.extensions["nurture.settings"]
        if not settings.redis_url:
            abort(503, "Background jobs need Redis: set NURTURE_REDIS_URL (nurture up starts one)")
        connection = current_app.extensions["nurture.jobs_redis"] = redis_connection(settings)
    return connection


def start_job(job_id: str, func: Callable[..., Any], *args: Any, context: dict[str, Any]) -> None:
    """Show the job as queued, then queue it (same id again: a retry replaces the old job)."""
    connection = job_connection()
    ProgressBoard(connection).queued(job_id, context)
    # Results are not needed (progress says it all); failures are kept a week for the queue page;
    # a 50 MB import takes minutes, far beyond RQ's default 3-minute limit.
    queue(DEFAULT, connection).enqueue(
        func, *args, job_id=job_id, job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=3600, failure_ttl=FAILURE_TTL_SECONDS
    )


def progress_of(job_id: str) -> Progress | None:
    return job_progress(job_connection(), job_id)


def progress_json(progress: Progress | None) -> Any:
    if progress is None:
        abort(404)
    response = jsonify(progress.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response
