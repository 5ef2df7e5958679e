"""Public form capture: websites post to ``/f/<form_key>`` (form-encoded, multipart or JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Response, current_app, g, jsonify, redirect, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from nurture.errors import ValidationError
from nurture.forms.definitions import get_active_form
from nurture.forms.submit import submit_form
from nurture.models import Form
from nurture.web.app import csrf, limiter
from nurture.web.db import db
from nurture.web.errors import error_response
from nurture.web.public import blueprint

ENDPOINT = "public.form_submit"
BAD_ENCODING = "Invalid text encoding (UTF-8 expected)"


def _form_rate_limit() -> str:
    return current_app.extensions["nurture.settings"].form_rate_limit


def _client_and_form() -> str:
    return f"{get_remote_address()}|{(request.view_args or {}).get('form_key', '')[:64]}"


def _form(key: str) -> Form | None:
    if "capture_form" not in g:
        g.capture_form = get_active_form(db(), key)
    return g.capture_form


def _first_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    data: dict[str, str] = {}
    for key, value in pairs:
        data.setdefault(key, value)  # a repeated field counts once: its first value
    return data


def _payload() -> dict[str, Any] | None:
    """The posted fields as a flat dict, or None for an unsupported content type.

    Garbage is a 400/422 answer, never a 500.
    """
    if request.mimetype == "application/json":
        try:
            data = json.loads(request.get_data())
        except (ValueError, RecursionError):  # invalid JSON or UTF-8, absurd nesting
            raise BadRequest() from None
        if not isinstance(data, dict):
            raise ValidationError({"body": "Expected a JSON object of fields"})
        return data
    if request.mimetype == "application/x-www-form-urlencoded":
        # Parsed strictly: Werkzeug would keep undecodable escapes ("a%FF@x.com" is a valid address).
        try:
            pairs = parse_qsl(request.get_data().decode(), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise ValidationError({"body": BAD_ENCODING}) from None
        return _first_values(pairs)
    if request.mimetype == "multipart/form-data":
        if request.files:
            raise ValidationError({name[:64]: "Files are not accepted" for name in request.files})
        data = _first_values(request.form.items(multi=True))
        # Werkzeug decodes bad UTF-8 in parts to U+FFFD; refuse it rather than store mangled text.
        mangled = {k[:64]: BAD_ENCODING for k, v in data.items() if "\ufffd" in k or "\ufffd" in v}
        if mangled:
            raise ValidationError(mangled)
        return data
    return None


def _wants_redirect() -> bool:
    # Browsers rank text/html above JSON; scripts (fetch */*, curl, JSON clients) get JSON.
    accept = request.accept_mimetypes
    return request.mimetype != "application/json" and accept["text/html"] > accept["application/json"]


@blueprint.route("/f/<form_key>", methods=["POST", "OPTIONS"], provide_automatic_options=False)
@limiter.limit(_form_rate_limit, key_func=_client_and_form, methods=["POST"])
def form_submit(form_key: str) -> Any:
    form = _form(form_key)
    if form is None:
        return error_response(404, {"form": "Not found"})
    if request.method == "OPTIONS":
        return Response(status=204)  # CORS headers, if any, are added below
    data = _payload()
    if data is None:
        raise UnsupportedMediaType()
    session = db()
    submit_form(session, form, data)  # a honeypot catch stores nothing and answers the same
    session.commit()
    if form.thank_you_url and _wants_redirect():
        return redirect(form.thank_you_url, code=303)
    response = jsonify({"status": "ok"})  # never the lead id: the public learns nothing
    response.status_code = 201
    return response


# Websites post here cross-site, with no session cookie to protect.
csrf.exempt(form_submit)


@blueprint.after_request
def _cors(response: Response) -> Response:
    """Per-form CORS: only origins the form lists may read the answer (or send JSON)."""
    if request.endpoint != ENDPOINT:
        return response
    response.vary.add("Origin")  # the answer depends on the Origin header
    origin = request.headers.get("Origin")
    form = _form((request.view_args or {}).get("form_key", "")) if origin else None
    if form is not None and origin in form.allowed_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "3600"
    return response
