"""Cleaning free text that came from the public: trim, normalize, refuse control characters."""

from __future__ import annotations

import unicodedata

CONTROL_MESSAGE = "Must not contain line breaks or control characters"


def has_control_chars(value: str) -> bool:
    # Cc covers CR, LF, TAB and NUL; Zl/Zp are the Unicode line and paragraph separators.
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value)


def clean_text(value: object, max_length: int) -> tuple[str | None, str | None]:
    """Return (clean value or None when blank, error message or None)."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, "Must be text"
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        return None, None
    if has_control_chars(value):
        return None, CONTROL_MESSAGE
    if len(value) > max_length:
        return None, f"Too long (at most {max_length} characters)"
    return value, None
