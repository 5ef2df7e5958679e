"""Reading JSON request bodies strictly: an object, or a clear per-field error."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from nurture.errors import ValidationError


def json_object() -> dict[str, Any]:
    if not request.is_json:
        raise UnsupportedMediaType()
    try:
        body = request.get_json(force=False, silent=False)
    except (BadRequest, RecursionError, UnicodeDecodeError):  # malformed JSON, bad UTF-8, absurd nesting
        raise ValidationError({"body": "Malformed JSON"}) from None
    if not isinstance(body, dict):
        raise ValidationError({"body": "The body must be a JSON object"})
    return body


def refuse_unknown(body: dict[str, Any], allowed: frozenset[str], why: str = "keys never change") -> None:
    """A field the endpoint does not take is an error, never silently ignored."""
    unknown = set(body) - allowed
    if unknown:
        raise ValidationError({str(name)[:64]: f"Unknown or unchangeable field ({why})" for name in unknown})
