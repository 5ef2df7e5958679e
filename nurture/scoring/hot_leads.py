"""Hot leads: leads by engagement now, from the score snapshots (one indexed, paginated query).

No score is computed per request: the order comes from the snapshot's
decay-invariant ``heat`` (see snapshot.py), and only the page's rows are
decayed to "now" for display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.models import Lead, LeadScoreSnapshot, LifecycleStage
from nurture.pagination import Page
from nurture.scoring.fit import band
from nurture.scoring.rules import ScoringRules
from nurture.scoring.snapshot import engagement_now

MAX_PER_PAGE = 200
# Counting every engaged lead costs a scan; past this many, the list says "10,000+" and pages end there.
COUNT_LIMIT = 10_000


@dataclass
class HotFilters:
    owner_user_id: int | None = None
    stage: str | None = None
    grade: str | None = None


@dataclass(frozen=True)
class HotLead:
    lead: Lead
    engagement: int  # now, decayed
    fit: int
    grade: str
    temperature: str
    scored_at: datetime

    @property
    def label(self) -> str:
        return f"{self.grade}-{self.temperature}"


def parse_hot_filters(
    args: Mapping[str, str], grades: tuple[str, ...], stages: Sequence[str] = tuple(LifecycleStage)
) -> tuple[HotFilters, int, int]:
    """Filters and pagination from the query string; raise ValidationError naming each bad one."""
    errors: dict[str, str] = {}
    filters = HotFilters()
    owner = args.get("owner_user_id") or ""
    if owner:
        if owner.isdigit() and 0 < int(owner) < 2**31:
            filters.owner_user_id = int(owner)
        else:
            errors["owner_user_id"] = "Must be a user id"
    if args.get("stage"):
        if args["stage"] in stages:
            filters.stage = args["stage"]
        else:
            errors["stage"] = "One of " + ", ".join(stages)
    if args.get("grade"):
        if args["grade"] in grades:
            filters.grade = args["grade"]
        else:
            errors["grade"] = "One of " + ", ".join(grades)
    numbers = {}
    for name, default, maximum in (("page", 1, 2**31 - 1), ("per_page", 50, MAX_PER_PAGE)):
        value = args.get(name) or str(default)
        if not value.isdigit() or not 1 <= int(value) <= maximum:
            errors[name] = f"Must be a whole number from 1 to {maximum}"
        numbers[name] = int(value) if value.isdigit() else default
    if errors:
        raise ValidationError(errors)
    return filters, numbers["page"], numbers["per_page"]


def hot_leads(
    session: Session, filters: HotFilters, now: datetime, rules: ScoringRules, page: int = 1, per_page: int = 50
) -> Page[HotLead]:
    snapshot = LeadScoreSnapshot
    where = [snapshot.heat.is_not(None)]
    lead_where = []
    if filters.owner_user_id is not None:
        lead_where.append(Lead.owner_user_id == filters.owner_user_id)
    if filters.stage is not None:
        lead_where.append(Lead.lifecycle_stage == filters.stage)
    if filters.grade is not None:
        where.append(snapshot.grade == filters.grade)
    matching = select(snapshot.lead_id).where(*where)
    if lead_where:
        matching = matching.join(Lead, Lead.id == snapshot.lead_id).where(*lead_where)
    total = session.scalar(select(func.count()).select_from(matching.limit(COUNT_LIMIT).subquery())) or 0
    page = min(page, max(1, -(-total // per_page)))
    rows = session.execute(
        select(Lead, snapshot).join(snapshot, snapshot.lead_id == Lead.id).where(*where, *lead_where)
        # lead_id breaks ties: it is the snapshot's primary key, so the heat index gives the whole order.
        .order_by(snapshot.heat.desc(), snapshot.lead_id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).unique().all()  # fmt: skip
    items = []
    for lead, snap in rows:
        engagement = round(engagement_now(snap, now))
        items.append(HotLead(lead, engagement, snap.fit, snap.grade, band(engagement, rules.temperature_bands), snap.scored_at))
    return Page(items, total, page, per_page)
