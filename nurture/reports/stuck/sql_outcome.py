"""SQLs without an outcome: at SQL for N days with neither an opportunity nor a disqualification.

Qualifying makes the lead an opportunity and disqualifying recycles it to
lead, so a lead still at SQL has had neither. Its time at SQL starts when it
entered the stage (``leads.stage_entered_at``, set by every stage change).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from nurture.models import Lead, LifecycleStage, Opportunity, User
from nurture.reports.stuck.items import Category, StuckContext, StuckItem, lead_name


def sql_without_outcome(session: Session, context: StuckContext) -> list[StuckItem]:
    cutoff = context.now - timedelta(days=context.sql_outcome_days)
    rows = session.execute(
        select(Lead.stage_entered_at, Lead.owner_user_id, User.email, Lead.id, Lead.email, Lead.first_name,
               Lead.last_name, Lead.source, Lead.source_detail)
        .outerjoin(User, User.id == Lead.owner_user_id)
        .where(Lead.lifecycle_stage == LifecycleStage.SQL.value, Lead.stage_entered_at <= cutoff,
               ~exists().where(Opportunity.contact_lead_id == Lead.id))
        .order_by(Lead.stage_entered_at, Lead.id).limit(context.limit)
    )  # one range of ix_leads_stage_entered  # fmt: skip
    items = []
    for at, owner_id, owner_email, lead_id, email, first, last, source, campaign in rows:
        items.append(StuckItem(
            "sql_without_outcome", lead_id, email, lead_name(first, last), owner_id, owner_email, str(source), campaign, at,
            f"SQL since {at:%Y-%m-%d}: no opportunity, no disqualification",
            task_key=f"sql_without_outcome:{lead_id}:{at:%Y%m%dT%H%M%S}",
            task_title=f"Qualify or disqualify {lead_name(first, last) or email}: SQL for {context.sql_outcome_days}+ days",
        ))  # fmt: skip
    return items


CATEGORY = Category("sql_without_outcome", "SQLs without an opportunity or a disqualification", sql_without_outcome,
                    creates_tasks=True)  # fmt: skip
