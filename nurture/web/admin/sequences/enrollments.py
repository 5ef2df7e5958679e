"""A sequence's enrollments with per-step counts, and one enrollment's planned timeline and history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import abort, render_template, request
from sqlalchemy import func, select

from campaigns.calendars import calendar_for
from campaigns.conditions import condition_holds
from campaigns.enrollments import LIVE
from campaigns.forecast import forecast
from campaigns.models import Enrollment, EnrollmentState, Send, SequenceVersion
from campaigns.stats import enrollment_counts, step_and_variant_stats, waiting_by_step
from campaigns.steps import BranchStep
from campaigns.versions import definition_of
from nurture.db.base import utcnow
from nurture.models import EmailEvent, Lead
from nurture.pagination import Page
from nurture.web.admin.sequences import bp
from nurture.web.admin.sequences.common import EDITORS, current_version, sequence_or_404, settings
from nurture.web.auth import roles_required
from nurture.web.db import db

PER_PAGE = 50
STATES = [s.value for s in EnrollmentState]


def _step_rows(sequence_id: int, definition: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per step (the current version's order, then steps only older versions had), counts merged in."""
    session = db()
    (stats, variants), waiting = step_and_variant_stats(session, sequence_id), waiting_by_step(session, sequence_id)
    steps = [step for step in (definition or {}).get("steps", []) if isinstance(step, dict)]
    kinds = {step["id"]: step.get("type", "") for step in steps}
    ab_tests = {step["id"]: [v.get("id") or chr(ord("a") + i) for i, v in enumerate(step["variants"])]
                for step in steps if len(step.get("variants") or []) > 1}  # fmt: skip
    order = list(kinds) + sorted((set(stats) | set(waiting)) - set(kinds))
    rows = []
    for step_id in order:
        by_variant = {v: {} for v in ab_tests.get(step_id, [])} | variants.get(step_id, {})
        rows.append({"id": step_id, "kind": kinds.get(step_id, "(older version)"), "waiting": waiting.get(step_id, 0),
                     **stats.get(step_id, {}), "variants": by_variant if len(by_variant) > 1 else {}})  # fmt: skip
    return rows


@bp.get("/<int:sequence_id>/enrollments")
@roles_required(*EDITORS)
def enrollments(sequence_id: int) -> Any:
    session = db()
    sequence = sequence_or_404(sequence_id)
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    page_number = max(1, request.args.get("page", 1, type=int) or 1)
    query = select(Enrollment.id).where(Enrollment.sequence_id == sequence.id)
    if state:
        query = query.where(Enrollment.state == state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        select(Enrollment, Lead.email, Lead.first_name, Lead.last_name, SequenceVersion.number)
        .join(Lead, Lead.id == Enrollment.lead_id)
        .join(SequenceVersion, SequenceVersion.id == Enrollment.version_id)
        .where(Enrollment.id.in_(query.order_by(Enrollment.id.desc()).limit(PER_PAGE).offset((page_number - 1) * PER_PAGE)))
        .order_by(Enrollment.id.desc())
    ).all()
    version = current_version(sequence)
    return render_template(
        "web/sequences/enrollments.html",
        sequence=sequence,
        page=Page(list(rows), total, page_number, PER_PAGE),
        state=state,
        states=STATES,
        state_counts=enrollment_counts(session, sequence.id),
        steps=_step_rows(sequence.id, version.definition if version else None),
    )


@bp.get("/<int:sequence_id>/enrollments/<int:enrollment_id>")
@roles_required(*EDITORS)
def enrollment(sequence_id: int, enrollment_id: int) -> Any:
    session = db()
    sequence = sequence_or_404(sequence_id)
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.sequence_id != sequence.id:
        abort(404)
    lead = session.get(Lead, enrollment.lead_id) or abort(404)
    definition = definition_of(session, enrollment.version_id)
    cal = calendar_for(lead, definition.timezone or settings().default_timezone)
    now = utcnow()
    planned = []
    if enrollment.state in LIVE and enrollment.current_step:
        # A paused enrollment is planned as if resumed now: resuming shifts it by the time it was held.
        # A lead's own pause (out of office, rep away) was shifted when it began and ends at paused_until.
        held = now - enrollment.paused_at if enrollment.state == EnrollmentState.PAUSED and enrollment.paused_at else timedelta(0)
        if enrollment.paused_until is not None:
            held = timedelta(0)
        not_before = max(now, (enrollment.next_run_at or now) + held)

        def choose(branch: BranchStep) -> str:
            return branch.then if condition_holds(session, enrollment, lead, branch.condition) else branch.otherwise

        planned = forecast(definition, enrollment.current_step, enrollment.step_started_at + held, not_before, cal, choose)
    sends = session.scalars(select(Send).where(Send.enrollment_id == enrollment.id).order_by(Send.created_at, Send.id)).all()
    engagement: dict[int, dict[str, int]] = {}
    if sends:
        for send_id, kind, count in session.execute(
            select(EmailEvent.send_id, EmailEvent.kind, func.count())
            .where(EmailEvent.send_id.in_([s.id for s in sends]), EmailEvent.is_machine.is_(False))
            .group_by(EmailEvent.send_id, EmailEvent.kind)
        ):
            engagement.setdefault(send_id, {})[kind] = count

    def local(moment: datetime | None) -> str:
        return moment.astimezone(cal.tz).strftime("%a %Y-%m-%d %H:%M %Z") if moment else ""

    return render_template(
        "web/sequences/enrollment.html",
        sequence=sequence,
        enrollment=enrollment,
        version=session.get(SequenceVersion, enrollment.version_id),
        lead=lead,
        timezone=str(cal.tz),
        window=definition.window,
        planned=planned,
        sends=sends,
        engagement=engagement,
        local=local,
    )
