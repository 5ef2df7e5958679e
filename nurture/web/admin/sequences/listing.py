"""The sequence list (status, version, live enrollments, sent) and its status buttons."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from campaigns.models import Sequence, SequenceStatus, SequenceVersion
from campaigns.sequences import activate, archive, pause, resume
from campaigns.stats import overview
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.web.admin.sequences import bp
from nurture.web.admin.sequences.common import EDITORS, sequence_or_404
from nurture.web.auth import roles_required
from nurture.web.db import db

# The buttons a sequence shows in each status: (action, label).
STATUS_ACTIONS = {
    SequenceStatus.DRAFT: (("activate", "Activate"), ("archive", "Archive")),
    SequenceStatus.ACTIVE: (("pause", "Pause"),),
    SequenceStatus.PAUSED: (("resume", "Resume"), ("archive", "Archive")),
    SequenceStatus.ARCHIVED: (("activate", "Activate again"),),
}


@bp.get("/")
@roles_required(*EDITORS)
def index() -> Any:
    session = db()
    rows = session.execute(
        select(Sequence, SequenceVersion.number)
        .outerjoin(SequenceVersion, SequenceVersion.id == Sequence.current_version_id)
        .order_by(Sequence.name)
    ).all()
    return render_template(
        "web/sequences/index.html", rows=rows, counts=overview(session), status_actions=STATUS_ACTIONS
    )


@bp.post("/<int:sequence_id>/status")
@roles_required(*EDITORS)
def set_status(sequence_id: int) -> Any:
    session = db()
    sequence = sequence_or_404(sequence_id)
    action = request.form.get("action", "")
    now = utcnow()
    try:
        if action == "activate":
            activate(session, sequence, now)
            message = f"“{sequence.name}” is active: new enrollments start now."
        elif action == "pause":
            held = pause(session, sequence, now)
            message = f"“{sequence.name}” is paused; {held} enrollment(s) held where they are."
        elif action == "resume":
            released = resume(session, sequence, now)
            message = f"“{sequence.name}” resumed; {released} enrollment(s) continue, shifted by the pause."
        elif action == "archive":
            archive(session, sequence)
            message = f"“{sequence.name}” archived."
        else:
            raise ValidationError({"status": "Unknown action"})
    except ValidationError as exc:
        session.rollback()
        flash(exc.errors.get("status", "Could not change the status."), "error")
    else:
        session.commit()
        flash(message, "success")
    if request.form.get("back") == "edit":
        return redirect(url_for("admin_sequences.edit", sequence_id=sequence_id))
    return redirect(url_for("admin_sequences.index"))
