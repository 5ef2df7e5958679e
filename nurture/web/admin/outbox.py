"""Admin: the local outbox — mail kept in the database when no SMTP server is configured."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, make_response, render_template, request

from nurture.mail.preview import outbox_page, preview_message
from nurture.models import OutboxMessage, Role
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_outbox", __name__, url_prefix="/outbox")

PER_PAGE = 50
# The message's HTML is shown in a sandboxed srcdoc iframe, which inherits this policy: no script
# anywhere, and no remote images, so looking at a message never fires its open-tracking pixel.
MESSAGE_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER)
def index() -> Any:
    page_number = max(1, request.args.get("page", 1, type=int) or 1)
    q = request.args.get("q", "").strip()[:200]
    args = {"q": q} if q else {}  # kept in the pagination links
    return render_template("web/outbox/index.html", page=outbox_page(db(), page_number, PER_PAGE, q), q=q, args=args)


@bp.get("/<int:message_id>")
@roles_required(Role.ADMIN, Role.MARKETER)
def show(message_id: int) -> Any:
    message = db().get(OutboxMessage, message_id) or abort(404)
    response = make_response(
        render_template("web/outbox/show.html", message=message, preview=preview_message(message.raw))
    )
    response.headers["Content-Security-Policy"] = MESSAGE_CSP
    return response
