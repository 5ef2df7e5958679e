"""A page of results, shared by every paginated list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def parse_page(args: Mapping[str, str], errors: dict[str, str], max_per_page: int = 200) -> tuple[int, int]:
    """``page`` and ``per_page`` from query-string arguments; bad ones go into ``errors``."""
    page, per_page = args.get("page") or "1", args.get("per_page") or "50"
    if not page.isdigit() or int(page) < 1:
        errors["page"] = "Must be a whole number from 1"
    if not per_page.isdigit() or not 1 <= int(per_page) <= max_per_page:
        errors["per_page"] = f"Must be a whole number from 1 to {max_per_page}"
    return (int(page) if "page" not in errors else 1), (int(per_page) if "per_page" not in errors else 50)
