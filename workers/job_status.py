"""A job's progress as the page should show it: its own report, corrected by what RQ knows.

A worker killed mid-job (out of memory, a deploy) never writes ``failed``: RQ moves the job to its
failed registry (or forgets it), and the page must say so instead of waiting forever.
"""

from __future__ import annotations

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from workers.progress import FAILED, Progress, ProgressBoard

GONE = "The job is no longer in the queue (Redis was restarted or the job expired); retry it."
DEAD = (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


def last_error(job: Job) -> str:
    result = job.latest_result()
    lines = (result.exc_string or "").strip().splitlines() if result is not None else []
    return lines[-1] if lines else f"The job {job.get_status().value}"


def job_progress(connection: Redis, job_id: str) -> Progress | None:
    board = ProgressBoard(connection)
    progress = board.read(job_id)
    if progress is None or progress.ended:
        return progress
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        progress.state, progress.error = FAILED, GONE
        return progress
    if job.get_status() in DEAD:
        progress.state, progress.error = FAILED, last_error(job)
    return progress
