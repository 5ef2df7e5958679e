"""Admin: enroll every lead of a leads-list filter in a sequence, as a job with live progress.

The filter travels as the leads list's own query arguments (nurture/leads/query.py), so what is
enrolled is exactly what the list showed; the job (workers/bulk_jobs.py) re-reads it in keyset
batches, and the page shows enrolled, skipped and refused counts, then the refusals by reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from campaigns.models import Sequence, SequenceKind, SequenceStatus
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.leads.import_files import new_token, valid_token
from nurture.leads.query import apply_filters, parse_lead_filters
from nurture.models import Lead, Role
from nurture.web.auth import roles_required
from nurture.web.db import db
from nurture.web.jobs import progress_json, progress_of, start_job
from workers.bulk_jobs import enroll_job_id, run_bulk_enrollment
from workers.progress import FAILED

bp = Blueprint("admin_bulk_enroll", __name__, url_prefix="/leads/enroll")

ENROLLERS = (Role.ADMIN, Role.MARKETER, Role.REP)  # reps: cadences only, as themselves
FILTER_ARGS = ("q", "source", "lifecycle_stage", "lead_status", "owner_team", "owner_user_id", "company_id",
               "created_after", "created_before")  # fmt: skip
LABELS = [("enrolled", "Enrolled"), ("skipped", "Skipped (already in the sequence)"), ("refused", "Refused")]


def filter_args(values: Mapping[str, str]) -> dict[str, str]:
    return {name: values[name] for name in FILTER_ARGS if values.get(name)}


def _active_sequences() -> list[Sequence]:
    query = select(Sequence).where(Sequence.status == SequenceStatus.ACTIVE)
    if current_user.role == Role.REP:
        query = query.where(Sequence.kind == SequenceKind.CADENCE)
    return list(db().scalars(query.order_by(Sequence.name)))


def _form(args: dict[str, str], errors: dict[str, str], status: int = 200, sequence_id: str = "") -> Any:
    matching = None
    if not errors.keys() - {"sequence_id"}:
        filters, _page, _per_page = parse_lead_filters(args)
        matching = db().scalar(apply_filters(select(func.count()).select_from(Lead), filters)) or 0
    page = render_template(
        "web/bulk_enroll/new.html",
        args=args,
        errors=errors,
        matching=matching,
        sequences=_active_sequences(),
        sequence_id=sequence_id,
    )
    return page, status


@bp.get("/")
@roles_required(*ENROLLERS)
def new() -> Any:
    args = filter_args(request.args)
    try:
        parse_lead_filters(args)
    except ValidationError as exc:
        return _form(args, exc.errors, 400)
    return _form(args, {})


@bp.post("/")
@roles_required(*ENROLLERS)
def create() -> Any:
    args = filter_args(request.form)
    chosen = request.form.get("sequence_id", "")
    try:
        parse_lead_filters(args)
    except ValidationError as exc:
        return _form(args, exc.errors, 422, chosen)
    sequence = db().get(Sequence, int(chosen)) if chosen.isdigit() else None
    if sequence is None or sequence not in _active_sequences():
        wanted = "an active cadence" if current_user.role == Role.REP else "an active sequence"
        return _form(args, {"sequence_id": f"Choose {wanted}"}, 422, chosen)
    token = new_token()
    context = {"sequence": sequence.name, "sequence_id": sequence.id, "filters": args, "by": current_user.email,
               "actor_id": current_user.id, "at": utcnow().isoformat()}  # fmt: skip
    _start(token, context)
    return redirect(url_for("admin_bulk_enroll.show", token=token), code=303)


def _start(token: str, context: dict[str, Any]) -> None:
    by = f"{context['by']} (bulk, from a lead filter)"
    start_job(enroll_job_id(token), run_bulk_enrollment, token, context["sequence_id"], context["filters"], by,
              context.get("actor_id"), context=context)  # fmt: skip


def _progress(token: str) -> Any:
    progress = progress_of(enroll_job_id(token)) if valid_token(token) else None
    if progress is None:  # never started, or its progress expired (a week)
        abort(404)
    if current_user.role == Role.REP and progress.context.get("actor_id") != current_user.id:
        abort(404)  # a rep sees their own runs only
    return progress


@bp.get("/<token>")
@roles_required(*ENROLLERS)
def show(token: str) -> Any:
    return render_template("web/bulk_enroll/progress.html", progress=_progress(token), token=token, labels=LABELS)


@bp.get("/<token>/progress.json")
@roles_required(*ENROLLERS)
def progress(token: str) -> Any:
    return progress_json(_progress(token))


@bp.post("/<token>/retry")
@roles_required(*ENROLLERS)
def retry(token: str) -> Any:
    """Run a failed enrollment again: leads it already enrolled are skipped, never enrolled twice."""
    progress = _progress(token)
    if progress.state != FAILED:
        abort(409)
    _start(token, progress.context)
    return redirect(url_for("admin_bulk_enroll.show", token=token), code=303)
