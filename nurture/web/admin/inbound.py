"""Admin: inbound mail — replies, bounces and auto-replies, with what each matched and what was done."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from nurture.mail.inbound.listing import inbound_page
from nurture.models import InboundKind, InboundMessage, Role
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_inbound", __name__, url_prefix="/inbound")

PER_PAGE = 50
KINDS = [kind.value for kind in InboundKind]


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER)
def index() -> Any:
    kind_text = request.args.get("kind") or ""
    kind = InboundKind(kind_text) if kind_text in KINDS else None
    page_number = max(1, request.args.get("page", 1, type=int) or 1)
    page = inbound_page(db(), kind, page_number, PER_PAGE)
    return render_template("web/inbound/index.html", page=page, kind=kind, kinds=KINDS, args={"kind": kind.value} if kind else {})


@bp.get("/<int:inbound_id>")
@roles_required(Role.ADMIN, Role.MARKETER)
def show(inbound_id: int) -> Any:
    inbound = db().get(InboundMessage, inbound_id) or abort(404)
    raw = inbound.raw.decode("utf-8", errors="replace")
    return render_template("web/inbound/show.html", inbound=inbound, raw=raw)
