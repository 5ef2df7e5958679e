"""The common case of an open or a click, answered before Flask: a valid token, appended to the stream.

Flask's request context, session, limiter hooks and response machinery cost
more than the work itself (a signature check and one Redis round trip), and
these two URLs are most of the traffic. Everything else — a bad token (404
page), the rate limit's 429, Redis unavailable (direct insert) — goes to the
Flask views in tracking.py, which behave the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.urls import iri_to_uri

from campaigns.tracked_events import TrackedEvent
from nurture.db.base import utcnow
from nurture.mail.tokens import TokenSigner
from nurture.web.public.recording import EventRecorder, Outcome
from nurture.web.public.tracking import PIXEL

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PIXEL_HEADERS = [("Content-Type", "image/gif"), ("Cache-Control", "no-store, private"), ("Content-Length", str(len(PIXEL)))]


class FastTracking:
    def __init__(self, app: WSGIApp, signer: TokenSigner, recorder: EventRecorder):
        self.app = app
        self.signer = signer
        self.recorder = recorder

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET" and path.startswith(("/t/o/", "/t/c/")) and path.count("/") == 3:
            answer = self._answer(path[3], path[5:], environ, start_response)
            if answer is not None:
                return answer
        return self.app(environ, start_response)

    def _answer(self, kind: str, token: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes] | None:
        if kind == "o":
            send_id = self.signer.read_open(token)
            url = None
        else:
            target = self.signer.read_click(token)
            send_id, url = (target.send_id, target.url) if target else (None, None)
        if send_id is None:
            return None
        event = TrackedEvent(send_id, "open" if kind == "o" else "click", utcnow(), url, environ.get("HTTP_USER_AGENT"), environ.get("REMOTE_ADDR"))
        if self.recorder.append(event, environ.get("REMOTE_ADDR") or "unknown") is not Outcome.APPENDED:
            return None  # the Flask view answers the 429, or records directly
        if url is None:
            start_response("200 OK", PIXEL_HEADERS)
            return [PIXEL]
        start_response("302 FOUND", [("Location", iri_to_uri(url)), ("Content-Length", "0")])
        return [b""]


def init_app(app: Any) -> None:
    settings = app.extensions["nurture.settings"]
    if settings.secret_key:
        signer = app.extensions["nurture.token_signer"] = TokenSigner(settings.secret_key)
        app.wsgi_app = FastTracking(app.wsgi_app, signer, app.extensions["nurture.event_recorder"])
