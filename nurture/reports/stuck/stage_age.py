"""Leads that sit in a stage longer than its maximum age (Admin → Definitions): each tasks its owner once
per stay, since entering the stage again starts a new clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from nurture.models import Lead, Stage, User
from nurture.reports.stuck.items import Category, StuckContext, StuckItem, lead_name


def beyond_stage_age(session: Session, context: StuckContext) -> list[StuckItem]:
    stages = session.execute(select(Stage.key, Stage.name, Stage.max_age_days).where(
        Stage.max_age_days.is_not(None), Stage.retired_at.is_(None))).all()  # fmt: skip
    if not stages:
        return []
    names = {key: name for key, name, _days in stages}
    limits = {key: days for key, _name, days in stages}
    over = or_(false(), *(
        and_(Lead.lifecycle_stage == key, Lead.stage_entered_at <= context.now - timedelta(days=days)) for key, days in limits.items()
    ))  # one index range per stage (ix_leads_stage_entered)  # fmt: skip
    rows = session.execute(
        select(Lead.id, Lead.email, Lead.first_name, Lead.last_name, Lead.owner_user_id, User.email, Lead.source,
               Lead.source_detail, Lead.lifecycle_stage, Lead.stage_entered_at)
        .outerjoin(User, User.id == Lead.owner_user_id).where(over)
        .order_by(Lead.stage_entered_at, Lead.id).limit(context.limit)
    )  # fmt: skip
    items = []
    for lead_id, email, first, last, owner_id, owner_email, source, campaign, stage, entered in rows:
        name, days = names[stage], limits[stage]
        items.append(StuckItem(
            "stage_age", lead_id, email, lead_name(first, last), owner_id, owner_email, str(source), campaign, entered,
            f"In {name} since {entered:%Y-%m-%d}, beyond its maximum age of {days} day{'s' if days != 1 else ''}",
            task_key=f"stage_age:{lead_id}:{stage}:{entered:%Y%m%dT%H%M%S}",
            task_title=f"{lead_name(first, last) or email} has been in {name} more than {days} days: move it on or out",
        ))  # fmt: skip
    return items


CATEGORY = Category("stage_age", "Leads beyond their stage's maximum age", beyond_stage_age, creates_tasks=True)
