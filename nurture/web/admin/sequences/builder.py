"""The sequence builder: the definition edited as form fields, validated by the engine, saved as a version."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from campaigns.definitions import ACTIONS, CONDITION_TYPES, FIELD_OPS, parse_definition
from campaigns.enrollments import LIVE
from campaigns.models import Enrollment, ReenrollPolicy, Sequence, SequenceKind
from campaigns.planner import DelayUnit
from campaigns.sequences import create_sequence, update_sequence
from campaigns.versions import definition_of
from nurture.errors import ValidationError
from nurture.leads.status_values import active_status_keys
from nurture.leads.validation import ALL_FIELDS
from nurture.models import LeadSource
from nurture.web.admin.sequences import bp
from nurture.web.admin.sequences.common import EDITORS, current_version, sequence_or_404
from nurture.web.admin.sequences.form import (
    DAYS,
    GOAL_FLAGS,
    blank_step,
    blank_values,
    definition_from_values,
    values_from_definition,
    values_from_post,
)
from nurture.web.admin.sequences.form_ops import apply_op, arrange_errors
from nurture.web.admin.sequences.listing import STATUS_ACTIONS
from nurture.web.admin.sequences.live_preview import LivePreview, email_choices, live_preview
from nurture.web.auth import roles_required
from nurture.web.db import db
from nurture.web.stage_names import request_ladder

CHOICES = {
    "kinds": [k.value for k in SequenceKind],
    "reenroll": [r.value for r in ReenrollPolicy],
    "units": [u.value for u in DelayUnit],
    "condition_types": CONDITION_TYPES,
    "ops": FIELD_OPS,
    "fields": sorted({*ALL_FIELDS, "score"} - {"custom_fields"}),
    "actions": ACTIONS,
    "sources": [s.value for s in LeadSource],
    "days": DAYS,
    "goal_flags": GOAL_FLAGS,
}

# Page-level errors shown next to their own field; any other goes in the summary at the top.
SHOWN_BY_FIELDS = frozenset(
    {"name", "kind", "reenroll", "layout", "from_name", "from_email", "timezone", "send_window", "send_window.days", "steps",
     "window_timezone"}
)


def _live_enrollments(sequence: Sequence) -> int:
    return db().scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.sequence_id == sequence.id, Enrollment.state.in_(LIVE))
    ) or 0


def _render(sequence: Sequence | None, values: dict[str, Any], errors: dict[str, str], notice: str | None = None,
            status: int = 200, preview: LivePreview | None = None) -> Any:  # fmt: skip
    page_errors, step_errors = arrange_errors(errors, values)
    others = db().scalars(select(Sequence.name).where(Sequence.id != (sequence.id if sequence else 0)).order_by(Sequence.name))
    version = current_version(sequence) if sequence else None
    return render_template(
        "web/sequences/edit.html",
        sequence=sequence,
        version=version,
        live=_live_enrollments(sequence) if sequence else 0,
        values=values,
        errors=page_errors,
        summary=[(k, m) for k, m in page_errors.items() if k not in SHOWN_BY_FIELDS and not k.startswith(("goals[", "entry_rules["))],
        step_errors=step_errors,
        notice=notice,
        choices={**CHOICES, "stages": [s.key for s in request_ladder().active], "statuses": active_status_keys(db())},
        other_sequences=list(others),
        step_ids=[step["id"] for step in values["steps"]],
        email_ids=[step["id"] for step in values["steps"] if step["type"] == "email"],
        status_actions=STATUS_ACTIONS.get(sequence.status, ()) if sequence else (),
        preview=preview or LivePreview(choices=email_choices(values)),
    ), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new() -> Any:
    if request.method == "GET":
        values = blank_values()
        values["steps"] = [blank_step("email", set())]
        return _render(None, values, {})
    return _submit(None, values_from_post(request.form))


@bp.route("/<int:sequence_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(sequence_id: int) -> Any:
    sequence = sequence_or_404(sequence_id)
    if request.method == "POST":
        return _submit(sequence, values_from_post(request.form))
    version = current_version(sequence)
    definition = version.definition if version else {"steps": []}
    return _render(sequence, values_from_definition(sequence.name, sequence.kind.value, sequence.reenroll.value, definition), {})


def _submit(sequence: Sequence | None, values: dict[str, Any]) -> Any:
    op = request.form.get("op", "save")
    if op == "preview":  # the typed definition rendered for a lead; nothing is saved
        return _render(sequence, values, {}, preview=live_preview(values, request.form))
    if op != "save":  # add, move, remove: the page comes back changed, not saved
        notice = apply_op(values, op) or "Nothing changed."
        return _render(sequence, values, {}, notice + " Not saved yet: press Save to keep it.")
    session = db()
    definition = definition_from_values(values)
    data: dict[str, Any] = {"name": values["name"], "kind": values["kind"], "reenroll": values["reenroll"], "definition": definition}
    try:
        if sequence is None:
            sequence = create_sequence(session, data)
            message = f"Sequence “{sequence.name}” created as a draft (version 1). Activate it to start enrolling."
        else:
            message = _update(sequence, data)
    except ValidationError as exc:
        session.rollback()  # nothing half-saved; the page shows what was typed
        return _render(sequence, values, exc.errors, status=422)
    session.commit()
    flash(message, "success")
    return redirect(url_for("admin_sequences.edit", sequence_id=sequence.id))


def _same_steps(version_id: int, definition: dict[str, Any]) -> bool:
    """Whether ``definition`` means what the version does (the API may have spelled it differently)."""
    try:
        return parse_definition(definition) == definition_of(db(), version_id)
    except ValidationError:
        return False  # invalid: saving it reports why


def _update(sequence: Sequence, data: dict[str, Any]) -> str:
    """Save; a changed definition is a new version, and leads already enrolled keep the one they started."""
    session = db()
    before = current_version(sequence)
    if before is not None and _same_steps(before.id, data["definition"]):
        del data["definition"]  # only the name or policy changed: no new version
    live_before = session.scalar(
        select(func.count()).select_from(Enrollment).where(
            Enrollment.sequence_id == sequence.id, Enrollment.state.in_(LIVE), Enrollment.version_id == sequence.current_version_id
        )
    ) or 0
    version = update_sequence(session, sequence, data)
    if version is None:
        return "Saved (the steps did not change, so no new version)."
    if live_before and before is not None:
        return (
            f"Saved as version {version.number}. The {live_before} lead(s) enrolled in version {before.number} "
            f"finish that version; new enrollments get version {version.number}."
        )
    return f"Saved as version {version.number}."
