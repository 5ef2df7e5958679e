"""Searching text with LIKE: the user's words taken literally (their % and _ are not wildcards)."""

from __future__ import annotations

ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching values that contain ``text`` (lower-cased: compare with lower(column))."""
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
