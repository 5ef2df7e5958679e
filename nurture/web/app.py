"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session, sessionmaker

from nurture.config import Settings
from nurture.db.engine import make_engine, make_sessionmaker
from nurture.web import auth, db, errors, stage_names, status_labels
from nurture.web.admin import nav

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STATIC = Path(__file__).resolve().parent / "static"

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


# CSV uploads in the admin may be large; every other body (API, public forms) stays small.
UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024
UPLOAD_ENDPOINTS = frozenset({"admin_imports.create"})
# Bounces carry the message that bounced, attachments included: their own limit.
INBOUND_ENDPOINTS = frozenset({"api.receive_inbound"})


def _limit_bodies(app: Flask, settings: Settings) -> None:
    # Registered before CSRFProtect, whose check reads the form: the limit must be set first.
    @app.before_request
    def _limit() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = UPLOAD_LIMIT_BYTES
        elif request.endpoint in INBOUND_ENDPOINTS:
            request.max_content_length = settings.inbound_max_bytes
        else:
            request.max_content_length = settings.max_body_bytes


def limiter_storage_uri(redis_url: str | None) -> str:
    """The `limits` package spells a Redis unix socket ``redis+unix://``."""
    if not redis_url:
        return "memory://"
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    test_config: dict[str, Any] | None = None,
) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(
        "nurture",
        template_folder=str(TEMPLATES),
        static_folder=str(STATIC),
        instance_path=str(settings.instance_path.resolve()),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=limiter_storage_uri(settings.redis_url),
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis down: limit per process in memory rather than fail the request (a click must still redirect).
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["nurture.settings"] = settings
    if session_factory is None:
        session_factory = make_sessionmaker(make_engine(settings.database_url))
    app.extensions["nurture.sessionmaker"] = session_factory

    db.init_app(app)
    _limit_bodies(app, settings)
    auth.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    errors.init_app(app)
    nav.init_app(app)
    stage_names.init_app(app)
    status_labels.init_app(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from nurture.web.admin import blueprints as admin_blueprints
    from nurture.web.api import blueprint as api_blueprint
    from nurture.web.public import blueprint as public_blueprint
    from nurture.web.public import fast_tracking, recording

    for bp in admin_blueprints:
        app.register_blueprint(bp)
    app.register_blueprint(api_blueprint)
    csrf.exempt(api_blueprint)  # bearer tokens, no cookies: CSRF does not apply
    app.register_blueprint(public_blueprint)
    recording.init_app(app)
    fast_tracking.init_app(app)
