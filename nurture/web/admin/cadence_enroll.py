"""Admin: enroll a lead in a cadence from its page (as the signed-in user: a rep only their own or unowned
leads); a refusal is shown with its reason. A whole filter is enrolled by admin_bulk_enroll, as a job."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.models import Sequence, SequenceKind, SequenceStatus
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.models import Lead, Role, User
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_cadence_enroll", __name__, url_prefix="/leads")

ENROLLERS = (Role.ADMIN, Role.MARKETER, Role.REP)


def active_cadences() -> list[Sequence]:
    query = select(Sequence).where(Sequence.kind == SequenceKind.CADENCE, Sequence.status == SequenceStatus.ACTIVE)
    return list(db().scalars(query.order_by(Sequence.name)))


@bp.app_context_processor
def _choices() -> dict[str, Any]:
    return {"enroll_cadences": active_cadences}  # called by the page only when shown


def _cadence() -> Sequence:
    raw = request.form.get("sequence_id", "")
    sequence = db().get(Sequence, int(raw)) if raw.isdigit() else None
    if sequence is None or sequence.kind != SequenceKind.CADENCE:
        abort(400, "Choose a cadence")
    return sequence


def _me() -> User:
    return db().get(User, current_user.id) or abort(403)


@bp.post("/<int:lead_id>/enroll")
@roles_required(*ENROLLERS)
def enroll_one(lead_id: int) -> Any:
    session = db()
    lead = session.get(Lead, lead_id) or abort(404)
    sequence, me = _cadence(), _me()
    try:
        enroll(session, sequence, lead, now=utcnow(), by=f"{me.email} (admin)", actor=me)
    except ValidationError as exc:
        session.rollback()
        flash(f"Not enrolled in “{sequence.name}”: {exc.errors.get('lead_id', 'refused')}.", "error")
    else:
        session.commit()
        flash(f"Enrolled in “{sequence.name}”.", "success")
    return redirect(url_for("admin_leads.show", lead_id=lead_id))
