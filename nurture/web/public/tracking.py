"""Public tracking endpoints: open pixel, click redirect, unsubscribe (RFC 8058 one-click).

The token's signature is checked before anything is recorded; a bad token gets
a 404 page, never a redirect and never a 5xx. Opens and clicks are appended to
a Redis stream and written to the database by the ingest consumer (see
recording.py); the unsubscribe POST is written at once, since it must stop the
very next send.
"""

from __future__ import annotations

import base64
from typing import Any

from flask import abort, current_app, redirect, render_template, request

from campaigns.preferences import Preferences, preferences, save_preferences
from campaigns.tracked_events import TrackedEvent
from campaigns.tracking import unsubscribe
from nurture.db.base import utcnow
from nurture.mail.tokens import TokenSigner
from nurture.web.app import csrf, limiter
from nurture.web.db import db
from nurture.web.public import blueprint
from nurture.web.public.recording import record

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _public_limit() -> str:
    return str(current_app.extensions["nurture.settings"].public_rate_limit)


def _signer() -> TokenSigner:
    signer = current_app.extensions.get("nurture.token_signer")
    if signer is None:  # built once per app: its serializers cost more than checking a token
        signer = current_app.extensions["nurture.token_signer"] = TokenSigner(current_app.extensions["nurture.settings"].secret_key)
    return signer


def _event(send_id: int, kind: str, url: str | None = None) -> TrackedEvent:
    return TrackedEvent(send_id, kind, utcnow(), url, request.headers.get("User-Agent"), request.remote_addr)


# Opens and clicks are rate-limited by record(), in the same Redis round trip that appends them.
@blueprint.get("/t/o/<token>")
@limiter.exempt
def open_pixel(token: str) -> Any:
    send_id = _signer().read_open(token)
    if send_id is not None:
        record(_event(send_id, "open"))
    # Always the pixel: a broken image tells a scanner nothing and looks broken to a person.
    return PIXEL, 200, {"Content-Type": "image/gif", "Cache-Control": "no-store, private"}


@blueprint.get("/t/c/<token>")
@limiter.exempt
def click(token: str) -> Any:
    target = _signer().read_click(token)
    if target is None:
        abort(404)
    record(_event(target.send_id, "click", target.url))
    return redirect(target.url, code=302)


@blueprint.get("/u/<token>")
@limiter.limit(_public_limit)
def unsubscribe_page(token: str) -> Any:
    """The preferences page: a GET changes nothing (link scanners prefetch it)."""
    send_id = _signer().read_unsubscribe(token)
    found = preferences(db(), send_id) if send_id is not None else None
    if found is None:
        abort(404)
    return _preferences_page(token, found, saved=False)


def _preferences_page(token: str, found: Preferences, *, saved: bool) -> Any:
    return render_template(
        "web/public/unsubscribe.html", token=token, prefs=found, saved=saved,
        preferences_token=_signer().preferences_token(found.send_id), done=found.unsubscribed,
    )  # fmt: skip


@blueprint.post("/u/<preferences_token>/preferences")
@limiter.limit(_public_limit)
def save_email_preferences(preferences_token: str) -> Any:
    """The preferences form: topics ticked stay, others stop; or unsubscribe from everything."""
    send_id = _signer().read_preferences(preferences_token)
    if send_id is None:
        abort(404)
    subscribed = set(request.form.getlist("topics"))
    found = save_preferences(db(), send_id, subscribed, utcnow(), unsubscribe_all=request.form.get("all") == "on")
    if found is None:
        abort(404)
    db().commit()
    return _preferences_page(_signer().unsubscribe_token(send_id), found, saved=True)


@blueprint.post("/u/<token>")
@limiter.limit(_public_limit)
def unsubscribe_now(token: str) -> Any:
    """RFC 8058 one-click (List-Unsubscribe=One-Click) and the page's button: 200, no redirect, idempotent."""
    send_id = _signer().read_unsubscribe(token)
    if send_id is None:
        abort(404)
    how = "one-click" if request.form.get("List-Unsubscribe") == "One-Click" else "unsubscribe page"
    lead = unsubscribe(db(), send_id, utcnow(), how=how)
    if lead is None:
        abort(404)
    db().commit()
    done = Preferences(send_id, lead.email, unsubscribed=True, topics=[])
    return render_template("web/public/unsubscribe.html", token=token, prefs=done, done=True)


# Posted with no session (mail clients, the public page): the signed token is the credential.
csrf.exempt(unsubscribe_now)
