"""API: sequences (definitions, versions, status), enrollments, bulk enrollment."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy import func, select

from campaigns.bulk import Refusal, bulk_enroll
from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState, Sequence, SequenceStatus, SequenceVersion
from campaigns.sequences import activate, archive, create_sequence, pause, resume, update_sequence
from campaigns.stats import enrollment_counts, step_stats
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.leads.query import parse_lead_filters
from nurture.models import Lead, Role
from nurture.web.api import blueprint
from nurture.web.api.body import json_object
from nurture.web.auth import api_roles, api_user
from nurture.web.db import db
from nurture.web.errors import error_response

EDITORS = (Role.ADMIN, Role.MARKETER)
ANYONE = (Role.ADMIN, Role.MARKETER, Role.REP)


def _sequence_or_404(sequence_id: int) -> Sequence | None:
    return db().get(Sequence, sequence_id)


def _not_found(what: str) -> Any:
    return error_response(404, {what: "Not found"})


def sequence_json(sequence: Sequence, *, full: bool = False) -> dict[str, Any]:
    session = db()
    data: dict[str, Any] = {
        "id": sequence.id,
        "name": sequence.name,
        "kind": sequence.kind.value,
        "status": sequence.status.value,
        "reenroll": sequence.reenroll.value,
        "created_at": sequence.created_at.isoformat(),
        "updated_at": sequence.updated_at.isoformat(),
    }
    version = session.get(SequenceVersion, sequence.current_version_id) if sequence.current_version_id else None
    data["version"] = version.number if version else None
    if full:
        data["definition"] = version.definition if version else None
        data["enrollments"] = enrollment_counts(session, sequence.id)
        data["steps"] = step_stats(session, sequence.id)
    return data


def enrollment_json(enrollment: Enrollment) -> dict[str, Any]:
    return {
        "id": enrollment.id,
        "lead_id": enrollment.lead_id,
        "sequence_id": enrollment.sequence_id,
        "version_id": enrollment.version_id,
        "state": enrollment.state.value,
        "current_step": enrollment.current_step,
        "next_run_at": enrollment.next_run_at.isoformat() if enrollment.next_run_at else None,
        "exit_reason": enrollment.exit_reason,
        "paused_until": enrollment.paused_until.isoformat() if enrollment.paused_until else None,
        "pause_reason": enrollment.pause_reason,
        "created_at": enrollment.created_at.isoformat(),
        "finished_at": enrollment.finished_at.isoformat() if enrollment.finished_at else None,
    }


@blueprint.get("/v1/sequences")
@api_roles(*ANYONE)
def list_sequences() -> Any:
    sequences = db().scalars(select(Sequence).order_by(Sequence.name)).all()
    return jsonify({"data": [sequence_json(s) for s in sequences]})


@blueprint.post("/v1/sequences", endpoint="create_sequence")
@api_roles(*EDITORS)
def create() -> Any:
    session = db()
    sequence = create_sequence(session, json_object())
    session.commit()
    response = jsonify(sequence_json(sequence, full=True))
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_sequence", sequence_id=sequence.id)
    return response


@blueprint.get("/v1/sequences/<int:sequence_id>")
@api_roles(*ANYONE)
def show_sequence(sequence_id: int) -> Any:
    sequence = _sequence_or_404(sequence_id)
    return jsonify(sequence_json(sequence, full=True)) if sequence else _not_found("sequence")


@blueprint.patch("/v1/sequences/<int:sequence_id>")
@api_roles(*EDITORS)
def patch_sequence(sequence_id: int) -> Any:
    session = db()
    sequence = _sequence_or_404(sequence_id)
    if sequence is None:
        return _not_found("sequence")
    update_sequence(session, sequence, json_object())
    session.commit()
    return jsonify(sequence_json(sequence, full=True))


@blueprint.post("/v1/sequences/<int:sequence_id>/status")
@api_roles(*EDITORS)
def set_status(sequence_id: int) -> Any:
    session = db()
    sequence = _sequence_or_404(sequence_id)
    if sequence is None:
        return _not_found("sequence")
    wanted = json_object().get("status")
    now = utcnow()
    if wanted == SequenceStatus.ACTIVE:
        activate(session, sequence, now)
    elif wanted == SequenceStatus.PAUSED:
        pause(session, sequence, now)
    elif wanted == "resumed":
        resume(session, sequence, now)
    elif wanted == SequenceStatus.ARCHIVED:
        archive(session, sequence)
    else:
        raise ValidationError({"status": "One of active, paused, archived"})
    session.commit()
    return jsonify(sequence_json(sequence, full=True))


@blueprint.get("/v1/sequences/<int:sequence_id>/enrollments")
@api_roles(*ANYONE)
def list_enrollments(sequence_id: int) -> Any:
    session = db()
    if _sequence_or_404(sequence_id) is None:
        return _not_found("sequence")
    query = select(Enrollment).where(Enrollment.sequence_id == sequence_id)
    state = request.args.get("state")
    if state:
        if state not in {s.value for s in EnrollmentState}:
            raise ValidationError({"state": "One of " + ", ".join(s.value for s in EnrollmentState)})
        query = query.where(Enrollment.state == state)
    _filters, page, per_page = parse_lead_filters({k: v for k, v in request.args.items() if k in ("page", "per_page")})
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Enrollment.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify({"data": [enrollment_json(e) for e in rows], "meta": {"page": page, "per_page": per_page, "total": total}})


@blueprint.post("/v1/sequences/<int:sequence_id>/enrollments")
@api_roles(*ANYONE)
def create_enrollment(sequence_id: int) -> Any:
    """``{"lead_id": 1}`` enrolls one lead; ``{"filter": {"source": "webinar", …}}`` enrolls every match."""
    session = db()
    sequence = _sequence_or_404(sequence_id)
    if sequence is None:
        return _not_found("sequence")
    body = json_object()
    by = f"API ({api_user().email})"
    if "filter" in body:
        if not isinstance(body["filter"], dict) or set(body) != {"filter"}:
            raise ValidationError({"filter": "An object of lead filters (q, source, lifecycle_stage, …), alone"})
        filters, _page, _per_page = parse_lead_filters({k: str(v) for k, v in body["filter"].items()})
        refusals: list[Refusal] = []
        outcome = bulk_enroll(session, sequence, filters, now=utcnow(), by=by, actor=api_user(), refusals=refusals)
        return jsonify({"enrolled": outcome.pop("enrolled", 0), "refused": dict(outcome),
                        "refusals": [{"lead_id": r.lead_id, "email": r.email, "reason": r.reason} for r in refusals]})  # fmt: skip
    if set(body) != {"lead_id"} or not isinstance(body["lead_id"], int) or isinstance(body["lead_id"], bool):
        raise ValidationError({"lead_id": "Give the lead's id (a number), or a filter"})
    lead = session.get(Lead, body["lead_id"])
    if lead is None:
        raise ValidationError({"lead_id": "No lead with this id"})
    enrollment = enroll(session, sequence, lead, now=utcnow(), by=by, actor=api_user())
    session.commit()
    response = jsonify(enrollment_json(enrollment))
    response.status_code = 201
    return response
