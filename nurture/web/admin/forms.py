"""Admin: capture forms — list, create, edit, and the HTML snippet to paste into a website."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from nurture.errors import ValidationError
from nurture.forms.definitions import FORM_FIELDS, create_form, list_forms, update_form
from nurture.models import ConsentBasis, Form, LeadSource, Role
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_forms", __name__, url_prefix="/forms")

# Inputs of the embed snippet by lead field; anything else (even website: people type
# "acme.com", which type=url refuses) is a text input.
INPUT_TYPES = {"phone": "tel", "company_size": "number", "consent_at": "datetime-local"}
CHOICES = {"source": LeadSource, "consent_basis": ConsentBasis}


def _values_from(form: Form) -> dict[str, Any]:
    return {
        "name": form.name,
        "key": form.key,
        "fields": list(form.fields),
        "required_fields": list(form.required_fields),
        "source": form.source,
        "source_detail": form.source_detail or "",
        "thank_you_url": form.thank_you_url or "",
        "allowed_origins": "\n".join(form.allowed_origins),
        "honeypot_field": form.honeypot_field,
        "active": form.active,
    }


def _values_from_request() -> dict[str, Any]:
    """The page's input as typed, so it can be shown again next to its errors."""
    posted = request.form
    return {
        "name": posted.get("name", ""),
        "key": posted.get("key", "").strip(),
        "fields": posted.getlist("fields"),
        "required_fields": posted.getlist("required_fields"),
        "source": posted.get("source", ""),
        "source_detail": posted.get("source_detail", ""),
        "thank_you_url": posted.get("thank_you_url", ""),
        "allowed_origins": posted.get("allowed_origins", ""),
        "honeypot_field": posted.get("honeypot_field", "").strip(),
        "active": posted.get("active") == "on",
    }


def _definition(values: dict[str, Any]) -> dict[str, Any]:
    # One origin per line (commas and spaces tolerated); blanks mean "not set".
    origins = values["allowed_origins"].replace(",", " ").split()
    return {**values, "allowed_origins": origins, "thank_you_url": values["thank_you_url"] or None}


def _render_edit(form: Form | None, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    page = render_template(
        "web/forms/edit.html",
        form=form,
        values=values,
        errors=errors,
        all_fields=FORM_FIELDS,
        sources=list(LeadSource),
        snippet=embed_snippet(form) if form is not None else None,
    )
    return page, status


def embed_snippet(form: Form) -> str:
    """The plain HTML form a marketer pastes into a website (autoescaped by Jinja)."""
    settings = current_app.extensions["nurture.settings"]
    return render_template(
        "web/forms/snippet.html",
        form=form,
        settings=settings,
        fields=[f for f in form.fields if f != "custom_fields"],  # objects come only as JSON
        input_types=INPUT_TYPES,
        choices=CHOICES,
    ).strip()


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER)
def index() -> Any:
    return render_template("web/forms/index.html", forms=list_forms(db()))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.MARKETER)
def new() -> Any:
    if request.method == "GET":
        values = {"name": "", "key": "", "fields": ["first_name", "last_name", "company"], "required_fields": []}
        values |= {"source": LeadSource.WEBSITE, "source_detail": "", "thank_you_url": "", "allowed_origins": ""}
        values |= {"honeypot_field": "website_url", "active": True}
        return _render_edit(None, values, {})
    values = _values_from_request()
    session = db()
    try:
        form = create_form(session, _definition(values))
    except ValidationError as exc:
        return _render_edit(None, values, exc.errors, 422)
    session.commit()
    flash(f"Form “{form.name}” created. Paste the snippet below into your website.", "success")
    return redirect(url_for("admin_forms.edit", form_id=form.id))


@bp.route("/<int:form_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.MARKETER)
def edit(form_id: int) -> Any:
    session = db()
    form = session.get(Form, form_id)
    if form is None:
        abort(404)
    if request.method == "GET":
        return _render_edit(form, _values_from(form), {})
    values = _values_from_request()
    try:
        update_form(session, form, _definition({**values, "key": form.key}))
    except ValidationError as exc:  # raised before anything was changed
        return _render_edit(form, {**values, "key": form.key}, exc.errors, 422)
    session.commit()
    flash("Form saved.", "success")
    return redirect(url_for("admin_forms.edit", form_id=form.id))
