"""The reports the admin and the API offer: each one's address, title, who may see it, and how it is built.

Every build is a fixed number of grouped queries (noted per report), whatever the number of leads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from nurture.config import Settings
from nurture.models import Role
from nurture.reports.deals import DealThresholds, deal_counts, deals_report
from nurture.reports.disqualifications import disqualifications_report
from nurture.reports.funnel import funnel_report
from nurture.reports.lead_quality import LeadQuality, lead_quality
from nurture.reports.marketing_vs_sales import marketing_vs_sales_report
from nurture.reports.period import Period
from nurture.reports.speed_to_lead import speed_counts, speed_to_lead_report
from nurture.reports.table import Report
from nurture.reports.task_completion import completion_counts, task_completion_report

MANAGERS = (Role.ADMIN, Role.MARKETER)


@dataclass(frozen=True)
class Context:
    session: Session
    settings: Settings
    period: Period
    now: datetime
    # A rep sees only their own figures where a report is per rep; None: everyone's.
    owner_id: int | None = None


@dataclass(frozen=True)
class ReportSpec:
    slug: str
    title: str
    description: str
    roles: tuple[Role, ...]
    queries: int
    build: Callable[[Context], Report]


def _quality(context: Context) -> LeadQuality:
    return lead_quality(context.session, context.period.start, context.period.end)


REPORTS = [
    ReportSpec("funnel", "Funnel", "Lead → MQL → SQL → opportunity → won, by source and by campaign, with conversion rates "
               "(leads created in the period).", MANAGERS, 5, lambda c: funnel_report(_quality(c), c.period)),
    ReportSpec("marketing-vs-sales", "Marketing vs sales", "Marketing's MQLs and the leads sales accepted, per source, "
               "side by side (leads created in the period).", MANAGERS, 5,
               lambda c: marketing_vs_sales_report(_quality(c), c.period)),
    ReportSpec("disqualifications", "Disqualification reasons", "Why sales sent leads back, by source "
               "(leads created in the period).", MANAGERS, 5, lambda c: disqualifications_report(_quality(c), c.period)),
    ReportSpec("speed-to-lead", "Speed to lead", "Time from sales-ready to first touch as a distribution, with SLA "
               "breaches (leads handed to sales in the period).", MANAGERS, 1,
               lambda c: speed_to_lead_report(speed_counts(c.session, c.period, c.now), c.period)),
    ReportSpec("task-completion", "Task completion", "Per rep: tasks due in the period done on time, done late, "
               "overdue and open. Reps see their own.", (*MANAGERS, Role.REP), 1,
               lambda c: task_completion_report(completion_counts(c.session, c.period, c.now, c.owner_id), c.period)),
    ReportSpec("deals", "Deal size and win rate", "Average deal size and win rate of the deals closed in the period, "
               "and the touches they favour.", MANAGERS, 1,
               lambda c: deals_report(deal_counts(c.session, c.period), c.period, thresholds(c.settings))),
]  # fmt: skip
BY_SLUG = {spec.slug: spec for spec in REPORTS}


def thresholds(settings: Settings) -> DealThresholds:
    return DealThresholds(high=Decimal(str(settings.deal_size_high)), low=Decimal(str(settings.deal_size_low)))


def visible_to(role: Role) -> list[ReportSpec]:
    return [spec for spec in REPORTS if role == Role.ADMIN or role in spec.roles]
