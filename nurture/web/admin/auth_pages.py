"""Log in and out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from nurture.db.base import utcnow
from nurture.models import Role
from nurture.users.accounts import authenticate
from nurture.web.auth import LoginUser
from nurture.web.db import db

bp = Blueprint("admin_auth", __name__)

HOME_BY_ROLE = {Role.ADMIN: "admin_leads.index", Role.MARKETER: "admin_sequences.index", Role.REP: "admin_today.index"}


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def home_url() -> str:
    return url_for(HOME_BY_ROLE[current_user.role])


@bp.get("/")
def root() -> Any:
    if current_user.is_authenticated:
        return redirect(home_url())
    return redirect(url_for("admin_auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(home_url())
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")[:320]
        session = db()
        user = authenticate(session, email, request.form.get("password", "")[:1000])
        if user is not None:
            user.last_login_at = utcnow()
            session.commit()
            login_user(LoginUser(user))
            return redirect(_safe_next(request.args.get("next")) or home_url())
        flash("Email or password is wrong.", "error")
        return render_template("web/login.html", email=email), 401
    return render_template("web/login.html", email=email)


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("admin_auth.login"))
