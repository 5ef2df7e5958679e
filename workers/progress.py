"""Progress of long jobs (CSV imports, bulk enrollments), kept in a Redis hash the admin page polls.

One hash per job, named after the RQ job id: the web creates it when it enqueues (``queued``), the
job moves it to ``running`` and then ``finished`` or ``failed``. Progress is transport, not record:
it expires after a week, and what a job changed is in the database (and an import's outcome file).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from redis import Redis

TTL_SECONDS = 7 * 24 * 3600
QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"
ENDED = (FINISHED, FAILED)


def progress_key(job_id: str) -> str:
    return f"nurture:progress:{job_id}"


@dataclass
class Progress:
    state: str
    done: int = 0  # in the job's own unit (bytes read, leads processed) out of ``total``
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)  # what the finished job wants shown
    context: dict[str, Any] = field(default_factory=dict)  # what the web knew when it enqueued
    error: str | None = None

    @property
    def percent(self) -> int:
        if self.state == FINISHED:
            return 100
        return min(99, self.done * 100 // self.total) if self.total > 0 else 0

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "counts": self.counts,
            "error": self.error,
        }


class ProgressBoard:
    """Reads and writes job progress; every write refreshes the expiry."""

    def __init__(self, connection: Redis):
        self.redis = connection

    def _write(self, job_id: str, fields: Mapping[str, str | int]) -> None:
        key = progress_key(job_id)
        pipe = self.redis.pipeline()
        pipe.hset(key, mapping=dict(fields))
        pipe.expire(key, TTL_SECONDS)
        pipe.execute()

    def queued(self, job_id: str, context: Mapping[str, Any]) -> None:
        self.redis.delete(progress_key(job_id))  # a retry starts from nothing
        self._write(job_id, {"state": QUEUED, "context": json.dumps(context)})

    def requeued(self, job_id: str) -> None:
        """A failed job put back on its queue (from the queue page) is waiting again, if it reports progress."""
        if self.redis.exists(progress_key(job_id)):
            self._write(job_id, {"state": QUEUED, "error": ""})

    def running(self, job_id: str, total: int) -> None:
        self._write(job_id, {"state": RUNNING, "done": 0, "total": total, "error": ""})

    def advance(self, job_id: str, done: int, counts: Mapping[str, int]) -> None:
        self._write(job_id, {"done": done, "counts": json.dumps(dict(counts))})

    def finished(self, job_id: str, counts: Mapping[str, int], summary: Mapping[str, Any] | None = None) -> None:
        fields = {"state": FINISHED, "counts": json.dumps(dict(counts)), "summary": json.dumps(dict(summary or {}))}
        self._write(job_id, fields)

    def failed(self, job_id: str, error: str) -> None:
        self._write(job_id, {"state": FAILED, "error": error[:500]})

    def read(self, job_id: str) -> Progress | None:
        raw = {k.decode(): v.decode() for k, v in self.redis.hgetall(progress_key(job_id)).items()}
        if not raw:
            return None
        return Progress(
            state=raw.get("state", QUEUED),
            done=int(raw.get("done") or 0),
            total=int(raw.get("total") or 0),
            counts=json.loads(raw.get("counts") or "{}"),
            summary=json.loads(raw.get("summary") or "{}"),
            context=json.loads(raw.get("context") or "{}"),
            error=raw.get("error") or None,
        )

    @contextmanager
    def tracking(self, job_id: str) -> Iterator[None]:
        """Mark the job failed, with the error, if it raises; RQ then keeps it in its failed registry too."""
        try:
            yield
        except Exception as exc:
            self.failed(job_id, describe(exc))
            raise


def describe(exc: BaseException) -> str:
    """An error for the people watching the page: its kind and its first line."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
