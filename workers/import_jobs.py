"""The admin's CSV import as a job: the upload's token in, progress in Redis, the outcome in a file."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from nurture.db.base import utcnow
from nurture.leads.import_files import ImportFiles
from nurture.leads.importer import ImportResult, LeadImport
from nurture.models import LeadSource
from workers.connection import redis_connection
from workers.context import job_session, settings
from workers.progress import ProgressBoard

COUNTS = ("read", "imported", "updated", "rejected")


def import_job_id(token: str) -> str:
    return f"import-{token}"


def import_files() -> ImportFiles:
    return ImportFiles(settings().instance_path.resolve() / "imports")


def counts_of(result: ImportResult) -> dict[str, int]:
    return dict(zip(COUNTS, (result.rows_read, result.imported, result.updated, result.rejected), strict=True))


def run_import(token: str) -> dict[str, int]:
    """Import the upload kept under ``token``; a failure leaves the upload in place for a retry."""
    files = import_files()
    job_id = import_job_id(token)
    board = ProgressBoard(redis_connection(settings()))
    with board.tracking(job_id):
        asked = files.read_json(token, "request")
        if asked is None:
            raise FileNotFoundError(f"No import request {token} in {files.folder}")
        upload = files.path(token, "upload")
        board.running(job_id, total=upload.stat().st_size)
        with upload.open("rb") as stream, job_session() as session:
            result = LeadImport(stream, asked["overrides"]).run(
                session,
                name=asked["name"],
                rejects_path=files.path(token, "rejects"),
                source=LeadSource(asked["source"]),
                actor_id=asked["actor_id"],
                on_progress=lambda done, so_far: board.advance(job_id, done, counts_of(so_far)),
            )
        files.write_json(token, "outcome", outcome(result, asked))
        upload.unlink()  # imported: only the rejects are worth keeping
        board.finished(job_id, counts_of(result))
    return counts_of(result)


def outcome(result: ImportResult, asked: dict[str, Any]) -> dict[str, Any]:
    """What the result page shows, kept after Redis has forgotten the job."""
    data = {**asdict(result), "rejects_path": None, "has_rejects": result.rejects_path is not None}
    data["counts"] = counts_of(result)
    data.update(at=utcnow().isoformat(), by=asked["by"])
    return data
