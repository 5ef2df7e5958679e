"""Keys of admin-edited data (lifecycle stages, status values, pipeline stages): how one looks, and how typed
input ("Bad timing", "sales-accepted") or a name becomes one. Whether the key exists is each caller's check."""

from __future__ import annotations

import re
from functools import cache

KEY_LIMIT = 32  # leads.lifecycle_stage and leads.lead_status are VARCHAR(32)


@cache
def _pattern(limit: int) -> re.Pattern[str]:
    return re.compile(rf"^[a-z][a-z0-9_]{{0,{limit - 1}}}$")


def is_key(text: str, limit: int = KEY_LIMIT) -> bool:
    return bool(_pattern(limit).match(text))


def typed_key(value: object, limit: int = KEY_LIMIT) -> str | None:
    """The key typed input means ("Bad timing" → bad_timing), or None when it cannot be one."""
    if not isinstance(value, str):
        return None
    token = value.strip().lower().replace(" ", "_").replace("-", "_")
    return token if is_key(token, limit) else None


def key_from_name(name: str) -> str:
    """A key made from a display name ("Information qualified!" → information_qualified)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


_WORDS = {"mql": "MQL", "sql": "SQL", "sla_breached": "SLA breached"}


def key_words(key: str) -> str:
    """A stored key as words ("trade_show" → "Trade show"), where no admin-given name exists."""
    return _WORDS.get(key) or key.replace("_", " ").capitalize()
