"""Bulk enrollment from a lead filter as a job, with progress the admin page polls."""

from __future__ import annotations

from sqlalchemy import func, select

from campaigns.bulk import ENROLLED, bulk_enroll, tally
from campaigns.models import Sequence
from nurture.db.base import utcnow
from nurture.leads.query import apply_filters, parse_lead_filters
from nurture.models import Lead
from workers.connection import redis_connection
from workers.context import job_session, settings
from workers.progress import ProgressBoard


def enroll_job_id(token: str) -> str:
    return f"enroll-{token}"


def run_bulk_enrollment(token: str, sequence_id: int, filter_args: dict[str, str], by: str) -> dict[str, int]:
    """Enroll every lead matching the filter (the leads list's query arguments) in the sequence."""
    job_id = enroll_job_id(token)
    board = ProgressBoard(redis_connection(settings()))
    with board.tracking(job_id):
        filters, _page, _per_page = parse_lead_filters(filter_args)
        with job_session() as session:
            sequence = session.get(Sequence, sequence_id)
            if sequence is None:
                raise LookupError(f"Sequence {sequence_id} no longer exists")
            total = session.scalar(apply_filters(select(func.count()).select_from(Lead), filters)) or 0
            board.running(job_id, total)
            outcome = bulk_enroll(
                session,
                sequence,
                filters,
                now=utcnow(),
                by=by,
                progress=lambda so_far: board.advance(job_id, so_far.total(), tally(so_far)),
            )
        reasons = {reason: n for reason, n in outcome.most_common() if reason != ENROLLED}
        board.finished(job_id, tally(outcome), {"reasons": reasons})
    return tally(outcome)
