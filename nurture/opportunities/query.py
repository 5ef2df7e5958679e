"""Finding opportunities: filters shared by the API and the admin (owner, stage, open, closing before)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.models import Opportunity, PipelineStage, StageOutcome
from nurture.opportunities.validation import parse_date, parse_id
from nurture.pagination import Page, parse_page

FILTERS = ("owner_user_id", "stage", "open", "closing_before", "company_id", "contact_lead_id")
MAX_PER_PAGE = 200


@dataclass
class OpportunityFilters:
    owner_user_id: int | None = None
    stage: str | None = None
    open: bool | None = None
    closing_before: date | None = None
    company_id: int | None = None
    contact_lead_id: int | None = None


def parse_opportunity_filters(args: Mapping[str, str]) -> tuple[OpportunityFilters, int, int]:
    errors: dict[str, str] = {}
    filters = OpportunityFilters()
    for name in ("owner_user_id", "company_id", "contact_lead_id"):
        if args.get(name):
            value, error = parse_id(args[name])
            errors.update({name: error} if error else {})
            setattr(filters, name, value)
    if args.get("stage"):
        filters.stage = args["stage"][:40]
    if args.get("open"):
        if args["open"] not in ("true", "false"):
            errors["open"] = "true or false"
        filters.open = args["open"] == "true"
    if args.get("closing_before"):
        filters.closing_before, error = parse_date(args["closing_before"])
        errors.update({"closing_before": error} if error else {})
    page, per_page = parse_page(args, errors, MAX_PER_PAGE)
    if errors:
        raise ValidationError(errors)
    return filters, page, per_page


def apply_filters(stmt: Select[Any], filters: OpportunityFilters) -> Select[Any]:
    for name in ("owner_user_id", "company_id", "contact_lead_id"):
        if getattr(filters, name) is not None:
            stmt = stmt.where(getattr(Opportunity, name) == getattr(filters, name))
    if filters.stage is not None:
        stmt = stmt.where(Opportunity.stage_id.in_(select(PipelineStage.id).where(PipelineStage.key == filters.stage)))
    if filters.open is not None:
        open_ids = select(PipelineStage.id).where(PipelineStage.outcome == StageOutcome.OPEN)
        stmt = stmt.where(Opportunity.stage_id.in_(open_ids) if filters.open else Opportunity.stage_id.not_in(open_ids))
    if filters.closing_before is not None:
        stmt = stmt.where(Opportunity.close_date < filters.closing_before)
    return stmt


def list_opportunities(session: Session, filters: OpportunityFilters, page: int = 1, per_page: int = 50) -> Page[Opportunity]:
    total = session.scalar(apply_filters(select(func.count()).select_from(Opportunity), filters)) or 0
    stmt = apply_filters(select(Opportunity), filters).order_by(Opportunity.close_date, Opportunity.id)
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, total, page, per_page)
