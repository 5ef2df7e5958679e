"""Territories: an ordered list of rules (countries and/or a company size range → reps); the first match wins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.models import Lead, Role, Territory, User


def matches(territory: Territory, country: str | None, company_size: int | None) -> bool:
    if territory.countries and (country or "").upper() not in territory.countries:
        return False
    if territory.min_company_size is None and territory.max_company_size is None:
        return True
    if company_size is None:
        return False
    low, high = territory.min_company_size, territory.max_company_size
    return (low is None or company_size >= low) and (high is None or company_size <= high)


def list_territories(session: Session) -> list[Territory]:
    return list(session.scalars(select(Territory).order_by(Territory.position, Territory.id)))


def territory_for(session: Session, lead: Lead) -> Territory | None:
    company = lead.company
    country = lead.country or (company.country if company else None)
    size = company.size if company else None
    return next((t for t in list_territories(session) if matches(t, country, size)), None)


def _size(value: Any, name: str, errors: dict[str, str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        size = int(str(value).strip())
    except ValueError:
        size = -1
    if size < 0:
        errors[name] = "A whole number of employees (0 or more), or empty"
        return None
    return size


def save_territory(session: Session, territory: Territory | None, data: Mapping[str, Any]) -> Territory:
    """Create (``territory`` None, added last) or update; raises ValidationError before changing anything."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = "A name of 1 to 100 characters"
    raw = data.get("countries") or []
    codes = [str(c).strip().upper() for c in (raw.replace(",", " ").split() if isinstance(raw, str) else raw)]
    if any(len(c) != 2 or not c.isalpha() for c in codes):
        errors["countries"] = "Two-letter country codes (ISO 3166), separated by commas or spaces"
    low = _size(data.get("min_company_size"), "min_company_size", errors)
    high = _size(data.get("max_company_size"), "max_company_size", errors)
    if low is not None and high is not None and high < low:
        errors["max_company_size"] = "At least the minimum"
    if not codes and low is None and high is None and not errors:
        errors["countries"] = "Give countries, a company size range, or both"
    rep_ids = {int(i) for i in data.get("rep_ids") or [] if str(i).isdigit()}
    reps = list(session.scalars(select(User).where(User.id.in_(rep_ids), User.role == Role.REP))) if rep_ids else []
    if not reps:
        errors["rep_ids"] = "Choose one rep or more"
    if errors:
        raise ValidationError(errors)
    if territory is None:
        last = session.scalar(select(func.max(Territory.position))) or 0
        territory = Territory(position=last + 1)
        session.add(territory)
    territory.name, territory.countries = name, sorted(set(codes))
    territory.min_company_size, territory.max_company_size = low, high
    territory.reps = reps
    session.flush()
    return territory


def move_territory(session: Session, territory: Territory, offset: int) -> None:
    """Swap with the neighbour above (-1) or below (+1); positions are renumbered 1..n."""
    ordered = list_territories(session)
    index = ordered.index(territory)
    other = index + offset
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
