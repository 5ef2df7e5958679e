"""Open opportunities whose close date has passed: every deal has a close date, and none may linger."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.models import Lead, Opportunity, PipelineStage, StageOutcome, User
from nurture.reports.stuck.items import Category, StuckContext, StuckItem, lead_name


def overdue_opportunities(session: Session, context: StuckContext) -> list[StuckItem]:
    rows = session.execute(
        select(Opportunity.id, Opportunity.name, Opportunity.close_date, Opportunity.owner_user_id, User.email, Lead.id,
               Lead.email, Lead.first_name, Lead.last_name, Lead.source, Lead.source_detail)
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id).join(Lead, Lead.id == Opportunity.contact_lead_id)
        .outerjoin(User, User.id == Opportunity.owner_user_id)
        .where(PipelineStage.outcome == StageOutcome.OPEN, Opportunity.close_date < context.now.date())
        .order_by(Opportunity.close_date, Opportunity.id).limit(context.limit)
    )  # fmt: skip
    return [
        StuckItem(
            "overdue_opportunity", lead_id, email, lead_name(first, last), owner_id, owner_email, str(source), campaign,
            datetime.combine(close, time(), UTC), f"Opportunity '{name}' was to close {close:%Y-%m-%d}", opportunity_id=opp_id,
            # The close date is in the key: moved and missed again, the deal gets a new task.
            task_key=f"overdue_opportunity:{opp_id}:{close:%Y-%m-%d}",
            task_title=f"Opportunity '{name}' passed its close date ({close:%Y-%m-%d}): move the date or close it",
        )
        for opp_id, name, close, owner_id, owner_email, lead_id, email, first, last, source, campaign in rows
    ]  # fmt: skip


CATEGORY = Category("overdue_opportunity", "Open opportunities past their close date", overdue_opportunities, creates_tasks=True)
