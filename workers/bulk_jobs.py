"""Bulk enrollment from a lead filter as a job, with progress the admin page polls."""

from __future__ import annotations

from sqlalchemy import func, select

from campaigns.bulk import ENROLLED, SKIPS, Refusal, bulk_enroll, tally
from campaigns.models import Sequence
from nurture.db.base import utcnow
from nurture.leads.query import apply_filters, parse_lead_filters
from nurture.models import Lead, User
from workers.connection import redis_connection
from workers.context import job_session, settings
from workers.progress import ProgressBoard


def enroll_job_id(token: str) -> str:
    return f"enroll-{token}"


LISTED = 100  # refusals shown one by one on the page (all are counted by reason)


def run_bulk_enrollment(
    token: str, sequence_id: int, filter_args: dict[str, str], by: str, actor_id: int | None = None
) -> dict[str, int]:
    """Enroll every lead matching the filter (the leads list's query arguments) in the sequence, as the
    user who asked (a rep: not another rep's leads, one cadence at a time — enrollments.refusal's rules)."""
    job_id = enroll_job_id(token)
    board = ProgressBoard(redis_connection(settings()))
    with board.tracking(job_id):
        filters, _page, _per_page = parse_lead_filters(filter_args)
        with job_session() as session:
            sequence = session.get(Sequence, sequence_id)
            if sequence is None:
                raise LookupError(f"Sequence {sequence_id} no longer exists")
            actor = session.get(User, actor_id) if actor_id is not None else None
            refusals: list[Refusal] = []
            total = session.scalar(apply_filters(select(func.count()).select_from(Lead), filters)) or 0
            board.running(job_id, total)
            outcome = bulk_enroll(
                session,
                sequence,
                filters,
                now=utcnow(),
                by=by,
                actor=actor,
                refusals=refusals,
                progress=lambda so_far: board.advance(job_id, so_far.total(), tally(so_far)),
            )
        reasons = {reason: n for reason, n in outcome.most_common() if reason != ENROLLED}
        listed = [{"email": r.email, "reason": r.reason} for r in refusals if r.reason not in SKIPS][:LISTED]
        board.finished(job_id, tally(outcome), {"reasons": reasons, "refusals": listed})
    return tally(outcome)
