"""What autogenerate compares: everything the models describe, not the optional PostgreSQL-only search indexes."""

from __future__ import annotations

from typing import Any

OPTIONAL_INDEX_PREFIX = "ix_trgm_"  # trigram indexes for lead search (migration 0013), made only where pg_trgm is allowed


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "index" and name is not None and name.startswith(OPTIONAL_INDEX_PREFIX))
