"""Admin: qualify a lead (BANT + a new opportunity) or disqualify it with a reason, from the lead page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from campaigns.qualification import disqualify_lead, qualify_lead
from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.models import DisqualificationReason, Lead, LifecycleStage, Opportunity, Role, StageOutcome, User
from nurture.opportunities.pipeline import pipeline
from nurture.qualification.inputs import BANT_FIELDS, validate_disqualify_input, validate_qualify_input
from nurture.qualification.qualify import default_opportunity_name
from nurture.stages.ladder import load_ladder
from nurture.users.permissions import may_work_lead
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_qualification", __name__, url_prefix="/leads")

QUALIFY_FIELDS = (*BANT_FIELDS, "name", "amount", "currency", "close_date", "stage")
DISQUALIFY_FIELDS = ("reason", "note", "resurface_on")


def sales_panel(lead: Lead, qualify: tuple[dict[str, str], dict[str, str]] | None = None,
                disqualify: tuple[dict[str, str], dict[str, str]] | None = None) -> dict[str, Any]:  # fmt: skip
    """What the lead page shows of the sales side: the lead's deals and, for who may act, the two forms."""
    session = db()
    user = session.get(User, current_user.id)
    ladder = load_ladder(session)
    open_to_qualify = ladder.rank(lead.lifecycle_stage) < ladder.rank(LifecycleStage.OPPORTUNITY)
    blank_qualify = {name: getattr(lead, name) or "" for name in BANT_FIELDS}
    blank_qualify |= {"name": default_opportunity_name(lead), "amount": "", "currency": "EUR", "close_date": "", "stage": ""}
    return {
        "may_qualify": user is not None and may_work_lead(user, lead) and open_to_qualify,
        "lead_opportunities": session.scalars(select(Opportunity).where(Opportunity.contact_lead_id == lead.id).order_by(Opportunity.id)).all(),
        "open_stages": [s for s in pipeline(session) if s.outcome == StageOutcome.OPEN],
        "reasons": list(DisqualificationReason),
        "qualify_values": qualify[0] if qualify else blank_qualify,
        "qualify_errors": qualify[1] if qualify else {},
        "disqualify_values": disqualify[0] if disqualify else {"reason": "", "note": "", "resurface_on": ""},
        "disqualify_errors": disqualify[1] if disqualify else {},
    }


def _lead_to_work(lead_id: int) -> tuple[Lead, User]:
    session = db()
    lead = session.get(Lead, lead_id) or abort(404)
    user = session.get(User, current_user.id)
    if user is None or not may_work_lead(user, lead):
        abort(403)
    return lead, user


def _show_again(lead: Lead, **panel: Any) -> Any:
    from nurture.web.admin.leads import render_show  # the lead page owns its layout

    db().rollback()  # nothing half-applied; the lead reloads as stored
    return render_show(db().get(Lead, lead.id), sales=sales_panel(lead, **panel)), 422


@bp.post("/<int:lead_id>/qualify")
@roles_required(Role.ADMIN, Role.REP)
def qualify(lead_id: int) -> Any:
    lead, user = _lead_to_work(lead_id)
    form = {name: request.form.get(name, "") for name in QUALIFY_FIELDS}
    try:
        values = validate_qualify_input({k: v for k, v in form.items() if v != "" or k in BANT_FIELDS}, default_opportunity_name(lead))
        opportunity = qualify_lead(db(), lead, values, actor=user, now=utcnow())
    except ValidationError as exc:
        return _show_again(lead, qualify=(form, exc.errors))
    db().commit()
    flash(f"Qualified: opportunity “{opportunity.name}” created.", "success")
    return redirect(url_for("admin_opportunities.show", opportunity_id=opportunity.id))


@bp.post("/<int:lead_id>/disqualify")
@roles_required(Role.ADMIN, Role.REP)
def disqualify(lead_id: int) -> Any:
    lead, user = _lead_to_work(lead_id)
    form = {name: request.form.get(name, "") for name in DISQUALIFY_FIELDS}
    now = utcnow()
    try:
        values = validate_disqualify_input({k: v for k, v in form.items() if v != ""}, now.date())
        disqualify_lead(db(), current_app.extensions["nurture.settings"], lead, values, actor=user, now=now)
    except ValidationError as exc:
        return _show_again(lead, disqualify=(form, exc.errors))
    db().commit()
    flash("Disqualified: the lead is back with marketing.", "success")
    return redirect(url_for("admin_leads.show", lead_id=lead.id))
