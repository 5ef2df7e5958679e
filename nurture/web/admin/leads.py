"""Admin: the leads list (search, filters, pages) and a lead's detail, timeline and edit form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.handoff.policy import current_policy
from nurture.leads.changes import apply_values
from nurture.leads.history import TIMELINE_LIMIT, lead_timeline
from nurture.leads.query import list_leads, parse_lead_filters
from nurture.leads.status_values import active_status_keys, status_choices
from nurture.leads.validation import validate_lead_input
from nurture.models import Lead, LeadSource, OwnerTeam, Role, User
from nurture.scoring.lead_score import score_lead
from nurture.web.admin.qualification import sales_panel
from nurture.web.auth import roles_required
from nurture.web.db import db
from nurture.web.stage_names import request_ladder

bp = Blueprint("admin_leads", __name__, url_prefix="/leads")

ALL = (Role.ADMIN, Role.MARKETER, Role.REP)
# What a person may edit here; everything else comes from capture, imports and the engine.
EDIT_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "phone",
    "lead_status",
    "lifecycle_stage",
    "budget",
    "authority",
    "need",
    "timeline",
)
# Where a new installation gets its first leads: (endpoint, path while that page is not built, label).
START_LINKS = (("admin_imports.new", "/imports/", "Import a CSV"), ("admin_forms.index", "/forms/", "Add a form"))
CHOICES = {
    "source": list(LeadSource),
    "owner_team": list(OwnerTeam),
}


def _choices() -> dict[str, list[Any]]:
    return {**CHOICES, "lifecycle_stage": [StageChoice(s.key) for s in request_ladder().active], "lead_status": status_choices(db())}


@dataclass(frozen=True)
class StageChoice:
    value: str  # as the enum members of the other filters


def _start_links() -> list[tuple[str, str]]:
    if current_user.role not in (Role.ADMIN, Role.MARKETER):
        return []
    return [
        (label, url_for(endpoint) if endpoint in current_app.view_functions else path)
        for endpoint, path, label in START_LINKS
    ]


@bp.get("/")
@roles_required(*ALL)
def index() -> Any:
    # Kept in the pagination links, so the filters survive paging.
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    try:
        filters, page_number, per_page = parse_lead_filters(request.args)
    except ValidationError as exc:
        return render_template(
            "web/leads/index.html", page=None, errors=exc.errors, args=args, filtered=True, choices=_choices()
        ), 400
    page = list_leads(db(), filters, page_number, per_page)
    return render_template(
        "web/leads/index.html",
        page=page,
        errors={},
        args=args,
        filtered=bool(set(args) - {"per_page"}),
        choices=_choices(),
        start_links=_start_links(),
    )


def _form_values(lead: Lead) -> dict[str, str]:
    return {name: "" if getattr(lead, name) is None else str(getattr(lead, name)) for name in EDIT_FIELDS}


def render_show(lead: Lead, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                sales: dict[str, Any] | None = None) -> str:
    ladder = request_ladder()
    stages = [s.key for s in ladder.active if ladder.rank(s.key) >= ladder.rank(lead.lifecycle_stage)]
    return render_template(
        "web/leads/show.html",
        lead=lead,
        timeline=lead_timeline(db(), lead.id),
        score=score_lead(db(), lead, current_policy(db()).rules, utcnow()),
        timeline_limit=TIMELINE_LIMIT,
        values=values if values is not None else _form_values(lead),
        errors=errors or {},
        stages=stages,
        statuses=status_choices(db()),
        **(sales if sales is not None else sales_panel(lead)),
    )


@bp.get("/<int:lead_id>")
@roles_required(*ALL)
def show(lead_id: int) -> Any:
    lead = db().get(Lead, lead_id) or abort(404)
    return render_show(lead)


@bp.post("/<int:lead_id>")
@roles_required(*ALL)
def update(lead_id: int) -> Any:
    session = db()
    lead = session.get(Lead, lead_id) or abort(404)
    form = {name: request.form.get(name, "") for name in EDIT_FIELDS}
    actor = session.get(User, current_user.id)
    try:
        values = validate_lead_input(form, partial=True, allowed=frozenset(EDIT_FIELDS), statuses=active_status_keys(db()))
        changes = apply_values(
            session, lead, values, reason=f"Edited in the admin by {current_user.email}", actor=actor
        )
    except ValidationError as exc:
        session.rollback()  # nothing half-applied; the lead reloads as stored
        return render_show(lead, form, exc.errors), 422
    session.commit()
    flash("Lead saved." if changes else "Nothing changed.", "success" if changes else "info")
    return redirect(url_for("admin_leads.show", lead_id=lead.id))
