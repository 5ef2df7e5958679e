"""Errors the core raises for callers (web, CLI, jobs) to present."""

from __future__ import annotations


class ValidationError(Exception):
    """Bad input, with one message per field: ``{"email": "Email address invalid"}``."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(Exception):
    pass
