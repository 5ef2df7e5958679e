"""Finding leads: filters shared by the API and the admin, with pagination."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session

from nurture.db.like import contains_pattern
from nurture.errors import ValidationError
from nurture.leads.status_values import status_key
from nurture.leads.validation import ENUM_FIELDS, STAGE_FIELD, parse_datetime, validate_enum, validate_stage_key
from nurture.models import Company, Lead
from nurture.pagination import Page

MAX_PER_PAGE = 200
FILTER_ENUMS = ("source", "lifecycle_stage", "owner_team")


@dataclass
class LeadFilters:
    q: str | None = None
    enums: dict[str, Any] = field(default_factory=dict)
    owner_user_id: int | None = None
    company_id: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def _positive_int(value: str, name: str, errors: dict[str, str], maximum: int = 2**31 - 1) -> int | None:
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        errors[name] = f"Must be a whole number from 1 to {maximum}"
        return None
    return int(value)


def parse_lead_filters(args: Mapping[str, str]) -> tuple[LeadFilters, int, int]:
    """Read filters and pagination from query-string arguments; raise ValidationError on bad ones."""
    errors: dict[str, str] = {}
    filters = LeadFilters()
    q = (args.get("q") or "").strip()
    if len(q) > 200:
        errors["q"] = "Too long (at most 200 characters)"
    filters.q = q or None
    for name in FILTER_ENUMS:
        if args.get(name):
            value, error = validate_stage_key(args[name]) if name == STAGE_FIELD else validate_enum(ENUM_FIELDS[name], args[name])
            if error:
                errors[name] = error
            filters.enums[name] = value
    if args.get("lead_status"):  # a key of the admin's status values: an unknown one matches nothing
        filters.enums["lead_status"], error = status_key(args["lead_status"])
        if error:
            errors["lead_status"] = error
    if args.get("owner_user_id"):
        filters.owner_user_id = _positive_int(args["owner_user_id"], "owner_user_id", errors)
    if args.get("company_id"):
        filters.company_id = _positive_int(args["company_id"], "company_id", errors)
    for name in ("created_after", "created_before"):
        if args.get(name):
            value, error = parse_datetime(args[name])
            if error:
                errors[name] = error
            setattr(filters, name, value)
    page = _positive_int(args.get("page") or "1", "page", errors) or 1
    per_page = _positive_int(args.get("per_page") or "50", "per_page", errors, MAX_PER_PAGE) or 50
    if errors:
        raise ValidationError(errors)
    return filters, page, per_page


def apply_filters(stmt: Select[Any], filters: LeadFilters) -> Select[Any]:
    if filters.q:
        pattern = contains_pattern(filters.q)
        # One branch per searched column, so each can use its own (trigram) index on PostgreSQL.
        matching = union(
            select(Lead.id).where(func.lower(Lead.email).like(pattern, escape="\\")),
            select(Lead.id).where(func.lower(Lead.first_name).like(pattern, escape="\\")),
            select(Lead.id).where(func.lower(Lead.last_name).like(pattern, escape="\\")),
            select(Lead.id).join(Company, Company.id == Lead.company_id).where(func.lower(Company.name).like(pattern, escape="\\")),
        )
        stmt = stmt.where(Lead.id.in_(matching.scalar_subquery()))
    for name, value in filters.enums.items():
        stmt = stmt.where(getattr(Lead, name) == value)
    if filters.owner_user_id is not None:
        stmt = stmt.where(Lead.owner_user_id == filters.owner_user_id)
    if filters.company_id is not None:
        stmt = stmt.where(Lead.company_id == filters.company_id)
    if filters.created_after is not None:
        stmt = stmt.where(Lead.created_at >= filters.created_after)
    if filters.created_before is not None:
        stmt = stmt.where(Lead.created_at < filters.created_before)
    return stmt


def list_leads(session: Session, filters: LeadFilters, page: int = 1, per_page: int = 50) -> Page[Lead]:
    total = session.scalar(apply_filters(select(func.count()).select_from(Lead), filters)) or 0
    order = (Lead.created_at.desc(), Lead.id.desc())
    # The page's ids first (an index scan, however deep the page), then only those rows with their joins.
    page_ids = apply_filters(select(Lead.id), filters).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    items = list(session.scalars(select(Lead).where(Lead.id.in_(page_ids.scalar_subquery())).order_by(*order)).unique())
    return Page(items, total, page, per_page)
