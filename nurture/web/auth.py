"""Sessions for people (Flask-Login), bearer tokens for programs, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, jsonify, request
from flask_login import LoginManager, UserMixin, current_user

from nurture.models import Role, User
from nurture.users.tokens import user_for_token
from nurture.web.db import db

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()
login_manager.login_view = "admin_auth.login"
login_manager.login_message_category = "warning"


class LoginUser(UserMixin):
    """What Flask-Login keeps in the session: the user's id and role, no ORM object."""

    def __init__(self, user: User):
        self.id = user.id
        self.email = user.email
        self.name = user.name
        self.role = Role(user.role)


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    return LoginUser(user) if user is not None and user.active else None


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Admin pages: log in first, then the role must be one of ``roles`` (admins pass all)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role != Role.ADMIN and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def api_user() -> User:
    return g.api_user


def _api_error(status: int, message: str) -> Any:
    response = jsonify({"errors": {"authorization": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="nurture"'
    return response


def api_roles(*roles: Role) -> Callable[[F], F]:
    """API routes: ``Authorization: Bearer <token>``; 401 without a valid one, 403 for a wrong role."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _api_error(401, "Bearer token required")
            user = user_for_token(db(), token.strip())
            if user is None:
                return _api_error(401, "Invalid or revoked token")
            if roles and user.role != Role.ADMIN and user.role not in roles:
                return _api_error(403, "Your role may not do this")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
