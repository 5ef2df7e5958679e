"""Error responses: JSON ``{"errors": {...}}`` for the API and public endpoints, pages elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from nurture.errors import ValidationError

MESSAGES = {
    400: "Bad request",
    401: "Login required",
    403: "Your role may not do this",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported content type",
    429: "Too many requests; slow down",
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/f/")) or request.accept_mimetypes.best == "application/json"


def error_response(status: int, errors: dict[str, str]) -> Any:
    response = jsonify({"errors": errors})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Any:
        return error_response(422, exc.errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = MESSAGES.get(status, exc.name)
        if status == 413:
            limit = request.max_content_length or app.config["MAX_CONTENT_LENGTH"]
            message = f"Request body too large (at most {limit // 1000} kB)"
        if status == 503 and exc.description:  # says which service is missing and how to provide it
            message = exc.description
        if wants_json():
            field = "body" if status in (400, 413, 415) else "request"
            response = error_response(status, {field: message})
        else:
            response = app.make_response((render_template("web/error.html", status=status, message=message), status))
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        if status == 429:
            response.headers.update(getattr(exc, "headers", None) or {})
        return response
