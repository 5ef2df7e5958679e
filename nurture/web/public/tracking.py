"""Public tracking endpoints: open pixel, click redirect, unsubscribe (RFC 8058 one-click).

The token's signature is checked before anything touches the database; a bad
token gets a 404 page, never a redirect and never a 5xx.
"""

from __future__ import annotations

import base64
from typing import Any

from flask import abort, current_app, redirect, render_template, request

from campaigns.preferences import Preferences, preferences, save_preferences
from campaigns.tracking import record_engagement, unsubscribe
from nurture.db.base import utcnow
from nurture.mail.tokens import TokenSigner
from nurture.web.app import csrf, limiter
from nurture.web.db import db
from nurture.web.public import blueprint

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _public_limit() -> str:
    return str(current_app.extensions["nurture.settings"].public_rate_limit)


def _signer() -> TokenSigner:
    return TokenSigner(current_app.extensions["nurture.settings"].secret_key)


def _client() -> dict[str, str | None]:
    return {"user_agent": request.headers.get("User-Agent"), "ip": request.remote_addr}


@blueprint.get("/t/o/<token>")
@limiter.limit(_public_limit)
def open_pixel(token: str) -> Any:
    send_id = _signer().read_open(token)
    if send_id is not None and record_engagement(db(), send_id, "open", utcnow(), **_client()):
        db().commit()
    # Always the pixel: a broken image tells a scanner nothing and looks broken to a person.
    return PIXEL, 200, {"Content-Type": "image/gif", "Cache-Control": "no-store, private"}


@blueprint.get("/t/c/<token>")
@limiter.limit(_public_limit)
def click(token: str) -> Any:
    target = _signer().read_click(token)
    if target is None:
        abort(404)
    if record_engagement(db(), target.send_id, "click", utcnow(), url=target.url, **_client()):
        db().commit()
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
csrf.exempt(save_email_preferences)
