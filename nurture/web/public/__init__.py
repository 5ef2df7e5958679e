"""Public endpoints (no login): form capture; later tracking and unsubscribe."""

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from nurture.web.public import forms, tracking  # noqa: E402,F401
