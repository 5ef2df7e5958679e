"""Reps' routing settings: weight, capacity, manager (admins), and away (admins, or the rep for themself)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.models import Role, User


def _whole(value: Any, name: str, low: int, high: int, errors: dict[str, str]) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        errors[name] = f"A whole number from {low} to {high}"
    return number


def parse_away_until(value: Any, now: datetime, errors: dict[str, str]) -> datetime | None:
    """A date (YYYY-MM-DD): the rep is back from the start of that day, UTC. Empty: away until switched off."""
    if value in (None, ""):
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        errors["away_until"] = "A date such as 2026-12-24, or empty"
        return None
    back = datetime.combine(day, time(0), tzinfo=UTC)
    if back <= now:
        errors["away_until"] = "A date in the future (the day you are back)"
    return back


def set_away(user: User, away: bool, away_until: Any, *, actor: User, now: datetime) -> None:
    if actor.role != Role.ADMIN and actor.id != user.id:
        raise ValidationError({"away": "Only admins may set someone else's availability"})
    errors: dict[str, str] = {}
    back = parse_away_until(away_until, now, errors) if away else None
    if errors:
        raise ValidationError(errors)
    user.away, user.away_until = away, back


def set_routing(session: Session, user: User, data: Mapping[str, Any]) -> None:
    """An admin's settings for one rep (validated all at once, nothing changed on error)."""
    errors: dict[str, str] = {}
    weight = _whole(data.get("routing_weight", user.routing_weight), "routing_weight", 1, 100, errors)
    capacity = _whole(data.get("capacity", user.capacity), "capacity", 0, 100_000, errors)
    manager_id: int | None = None
    raw_manager = str(data.get("manager_user_id") or "").strip()
    if raw_manager:
        manager = session.get(User, int(raw_manager)) if raw_manager.isdigit() else None
        if manager is None or not manager.active or manager.id == user.id:
            errors["manager_user_id"] = "An active user other than the rep"
        else:
            manager_id = manager.id
    if errors:
        raise ValidationError(errors)
    user.routing_weight, user.capacity, user.manager_user_id = weight, capacity, manager_id
