"""Finding tasks: a rep's own or everyone's, due before a time, overdue, of a kind, for a lead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.validation import parse_datetime
from nurture.models import Task
from nurture.opportunities.validation import parse_id
from nurture.pagination import Page, parse_page

FILTERS = ("owner", "due_before", "overdue", "kind", "lead_id", "status")


@dataclass
class TaskFilters:
    owner_user_id: int | None = None
    unassigned: bool = False
    due_before: datetime | None = None
    overdue: bool = False
    kind: str | None = None
    lead_id: int | None = None
    status: str = "open"  # open, completed, all


def parse_task_filters(args: Mapping[str, str], me: int, may_see_all: bool) -> tuple[TaskFilters, int, int]:
    """``owner``: ``me`` (the default), ``all``, ``unassigned`` or a user id; reps see only their own."""
    errors: dict[str, str] = {}
    filters = TaskFilters(owner_user_id=me)
    owner = args.get("owner") or "me"
    if owner != "me":
        if not may_see_all:
            errors["owner"] = "Reps list their own tasks"
        elif owner == "all":
            filters.owner_user_id = None
        elif owner == "unassigned":
            filters.owner_user_id, filters.unassigned = None, True
        else:
            filters.owner_user_id, error = parse_id(owner)
            errors.update({"owner": "me, all, unassigned or a user id"} if error else {})
    if args.get("due_before"):
        filters.due_before, error = parse_datetime(args["due_before"])
        errors.update({"due_before": error} if error else {})
    if args.get("overdue"):
        if args["overdue"] not in ("true", "false"):
            errors["overdue"] = "true or false"
        filters.overdue = args["overdue"] == "true"
    if args.get("kind"):
        filters.kind = args["kind"][:30]
    if args.get("lead_id"):
        filters.lead_id, error = parse_id(args["lead_id"])
        errors.update({"lead_id": error} if error else {})
    if args.get("status"):
        if args["status"] not in ("open", "completed", "all"):
            errors["status"] = "open, completed or all"
        filters.status = args["status"]
    page, per_page = parse_page(args, errors)
    if errors:
        raise ValidationError(errors)
    return filters, page, per_page


def apply_filters(stmt: Select[Any], filters: TaskFilters, now: datetime) -> Select[Any]:
    if filters.unassigned:
        stmt = stmt.where(Task.owner_user_id.is_(None))
    elif filters.owner_user_id is not None:
        stmt = stmt.where(Task.owner_user_id == filters.owner_user_id)
    if filters.status == "open" or filters.overdue:
        stmt = stmt.where(Task.completed_at.is_(None))
    elif filters.status == "completed":
        stmt = stmt.where(Task.completed_at.is_not(None))
    if filters.overdue:
        stmt = stmt.where(Task.due_at < now)
    if filters.due_before is not None:
        stmt = stmt.where(Task.due_at < filters.due_before)
    if filters.kind is not None:
        stmt = stmt.where(Task.kind == filters.kind)
    if filters.lead_id is not None:
        stmt = stmt.where(Task.lead_id == filters.lead_id)
    return stmt


def list_tasks(session: Session, filters: TaskFilters, now: datetime, page: int = 1, per_page: int = 50) -> Page[Task]:
    total = session.scalar(apply_filters(select(func.count()).select_from(Task), filters, now)) or 0
    stmt = apply_filters(select(Task), filters, now).order_by(Task.due_at, Task.id)
    return Page(list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))), total, page, per_page)
