"""Admin (admins only): webhook endpoints — create, edit, reveal or rotate the secret — and each one's delivery log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from nurture.errors import ValidationError
from nurture.models import Role, WebhookDelivery, WebhookEndpoint
from nurture.web.auth import roles_required
from nurture.web.db import db
from nurture.webhooks.deliveries import BACKOFF_SECONDS, delivery_log, redeliver
from nurture.webhooks.endpoints import create_endpoint, list_endpoints, rotate_secret, update_endpoint
from nurture.webhooks.events import EVENT_TYPES

bp = Blueprint("admin_webhooks", __name__, url_prefix="/webhooks")
PER_PAGE = 50


@bp.after_request
def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"  # a revealed secret must not linger in a cache
    return response


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    return db().get(WebhookEndpoint, endpoint_id) or abort(404)


def _posted() -> dict[str, Any]:
    return {
        "url": request.form.get("url", ""),
        "description": request.form.get("description", ""),
        "events": request.form.getlist("events"),
        "active": request.form.get("active") == "on",
    }


def _render(endpoint: WebhookEndpoint | None, values: dict[str, Any], errors: dict[str, str], *,
            secret: str | None = None, status: int = 200) -> Any:  # fmt: skip
    log = None
    if endpoint is not None:
        page = request.args.get("page", "1")
        log = delivery_log(db(), endpoint.id, int(page) if page.isdigit() and int(page) > 0 else 1, PER_PAGE)
    return render_template(
        "web/webhooks/edit.html", endpoint=endpoint, values=values, errors=errors, secret=secret,
        event_types=EVENT_TYPES, log=log, attempts=len(BACKOFF_SECONDS) + 1,
    ), status  # fmt: skip


@bp.get("/")
@roles_required(Role.ADMIN)
def index() -> Any:
    return render_template("web/webhooks/index.html", endpoints=list_endpoints(db()))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new() -> Any:
    if request.method == "GET":
        return _render(None, {"url": "", "description": "", "events": list(EVENT_TYPES), "active": True}, {})
    values = _posted()
    session = db()
    try:
        endpoint = create_endpoint(session, values)
    except ValidationError as exc:
        session.rollback()
        return _render(None, values, exc.errors, status=422)
    session.commit()
    flash("Endpoint created. Reveal its signing secret below and give it to the receiving system.", "success")
    return redirect(url_for("admin_webhooks.edit", endpoint_id=endpoint.id))


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(endpoint_id: int) -> Any:
    endpoint = _endpoint(endpoint_id)
    if request.method == "GET":
        return _render(endpoint, _current_values(endpoint), {})
    values = _posted()
    session = db()
    try:
        update_endpoint(session, endpoint, values)
    except ValidationError as exc:
        session.rollback()
        return _render(_endpoint(endpoint_id), values, exc.errors, status=422)
    session.commit()
    flash("Endpoint saved.", "success")
    return redirect(url_for("admin_webhooks.edit", endpoint_id=endpoint.id))


def _current_values(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events, "active": endpoint.active}


@bp.post("/<int:endpoint_id>/secret")
@roles_required(Role.ADMIN)
def reveal_secret(endpoint_id: int) -> Any:
    """A POST (CSRF-checked), so a link or a prefetch never shows it."""
    endpoint = _endpoint(endpoint_id)
    return _render(endpoint, _current_values(endpoint), {}, secret=endpoint.secret)


@bp.post("/<int:endpoint_id>/rotate")
@roles_required(Role.ADMIN)
def rotate(endpoint_id: int) -> Any:
    session = db()
    endpoint = _endpoint(endpoint_id)
    secret = rotate_secret(session, endpoint)
    session.commit()
    flash("New secret generated: deliveries are signed with it from now on.", "success")
    return _render(endpoint, _current_values(endpoint), {}, secret=secret)


@bp.get("/deliveries/<int:delivery_id>")
@roles_required(Role.ADMIN)
def delivery(delivery_id: int) -> Any:
    row = db().get(WebhookDelivery, delivery_id) or abort(404)
    return render_template("web/webhooks/delivery.html", delivery=row, endpoint=_endpoint(row.endpoint_id))


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@roles_required(Role.ADMIN)
def redeliver_now(delivery_id: int) -> Any:
    session = db()
    row = session.get(WebhookDelivery, delivery_id) or abort(404)
    again = redeliver(session, row)
    session.commit()
    flash(f"Event {row.event_id} queued again as delivery {again.id}.", "success")
    return redirect(url_for("admin_webhooks.edit", endpoint_id=row.endpoint_id))
