"""SQLs without an outcome: at SQL for N days with neither an opportunity nor a disqualification.

Qualifying makes the lead an opportunity and disqualifying recycles it to
lead, so a lead still at SQL has had neither. Its time at SQL starts at its
last stage change (stages only move forward, so that is when it entered SQL),
or at its creation when it was created at SQL.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from nurture.models import Lead, LeadEvent, LifecycleStage, Opportunity, User
from nurture.reports.stuck.items import Category, StuckContext, StuckItem, lead_name


def sql_without_outcome(session: Session, context: StuckContext) -> list[StuckItem]:
    cutoff = context.now - timedelta(days=context.sql_outcome_days)
    is_sql = Lead.lifecycle_stage == LifecycleStage.SQL.value
    entered = (
        select(LeadEvent.lead_id, func.max(LeadEvent.created_at).label("at"))
        .where(LeadEvent.kind == "stage_changed", LeadEvent.lead_id.in_(select(Lead.id).where(is_sql)))
        .group_by(LeadEvent.lead_id).subquery()
    )  # fmt: skip
    since = func.coalesce(entered.c.at, Lead.created_at)
    rows = session.execute(
        select(entered.c.at, Lead.created_at, Lead.owner_user_id, User.email, Lead.id, Lead.email, Lead.first_name,
               Lead.last_name, Lead.source, Lead.source_detail)
        .outerjoin(entered, entered.c.lead_id == Lead.id).outerjoin(User, User.id == Lead.owner_user_id)
        .where(is_sql, or_(entered.c.at <= cutoff, and_(entered.c.at.is_(None), Lead.created_at <= cutoff)),
               ~exists().where(Opportunity.contact_lead_id == Lead.id))
        .order_by(since, Lead.id).limit(context.limit)
    )  # fmt: skip
    items = []
    for entered_at, created_at, owner_id, owner_email, lead_id, email, first, last, source, campaign in rows:
        at = entered_at or created_at
        items.append(StuckItem(
            "sql_without_outcome", lead_id, email, lead_name(first, last), owner_id, owner_email, str(source), campaign, at,
            f"SQL since {at:%Y-%m-%d}: no opportunity, no disqualification",
            task_key=f"sql_without_outcome:{lead_id}:{at:%Y%m%dT%H%M%S}",
            task_title=f"Qualify or disqualify {lead_name(first, last) or email}: SQL for {context.sql_outcome_days}+ days",
        ))  # fmt: skip
    return items


CATEGORY = Category("sql_without_outcome", "SQLs without an opportunity or a disqualification", sql_without_outcome,
                    creates_tasks=True)  # fmt: skip
