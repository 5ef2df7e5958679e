"""Lead quality by source and campaign: how far the leads created in a period got.

A cohort report: the leads created in [start, end) and what has happened to
them so far. The campaign is the lead's ``source_detail`` (what a form,
import or API call names the campaign: a column on the lead, so grouping
costs no join; the first sequence enrolled in is marketing's tool, not the
lead's origin). Opportunities are grouped by the source and campaign copied
onto them when they were created.

Four grouped queries whatever the number of leads: leads by current stage,
recycled leads by the furthest stage they were disqualified from, disqualifications
by reason, opportunities and wins. A lead's peak stage is the further of its
current stage and the stages it was recycled from (disqualification is the
only backward move), so "reached MQL" and "sales-accepted" survive a recycle.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session

from nurture.models import (
    Disqualification,
    DisqualificationReason,
    Lead,
    LifecycleStage,
    Opportunity,
    PipelineStage,
    StageOutcome,
)
from nurture.reports.table import spreadsheet_safe as _safe
from nurture.stages.ladder import load_ladder

REASONS = [r.value for r in DisqualificationReason]
COUNTS = ("leads", "mqls", "sales_accepted", "disqualified", "bad_timing_returns", "opportunities", "won")


@dataclass
class Row:
    source: str
    campaign: str | None
    leads: int = 0
    mqls: int = 0
    sales_accepted: int = 0
    bad_timing_returns: int = 0
    opportunities: int = 0
    won: int = 0
    disqualified_by_reason: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))

    @property
    def disqualified(self) -> int:
        return sum(self.disqualified_by_reason.values())

    def add(self, other: Row) -> None:
        for name in ("leads", "mqls", "sales_accepted", "bad_timing_returns", "opportunities", "won"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, n in other.disqualified_by_reason.items():
            self.disqualified_by_reason[reason] += n

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "campaign": self.campaign, **{n: getattr(self, n) for n in COUNTS},
                "disqualified_by_reason": dict(self.disqualified_by_reason)}  # fmt: skip


@dataclass
class LeadQuality:
    start: datetime | None
    end: datetime | None
    by_source: list[Row]
    by_campaign: list[Row]
    total: Row


def stage_rank(column: ColumnElement[str], ranks: dict[str, int]) -> ColumnElement[int]:
    return case(ranks, value=column, else_=0)


def _cohort(start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    conditions = [Lead.created_at >= start] if start else []
    conditions += [Lead.created_at < end] if end else []
    return and_(true(), *conditions)


def lead_quality(session: Session, start: datetime | None, end: datetime | None) -> LeadQuality:
    cohort = _cohort(start, end)
    rows: dict[tuple[str, str | None], Row] = {}

    def row(source: object, campaign: str | None) -> Row:
        key = (getattr(source, "value", str(source)), campaign)
        found = rows.get(key)  # not setdefault: a Row per call would cost more than the query, group by group
        if found is None:
            found = rows[key] = Row(*key)
        return found

    ladder = load_ladder(session)
    ranks = {stage.key: ladder.rank(stage.key) for stage in ladder.stages}
    mql, sql = ladder.rank(LifecycleStage.MQL), ladder.rank(LifecycleStage.SQL)
    # How far each lead got by its current stage: a few hundred groups whatever the number of leads.
    leads_query = select(Lead.source, Lead.source_detail, Lead.lifecycle_stage, func.count()).where(cohort)
    if start or end:  # SQLite would rather walk the source index for the GROUP BY than read only the period
        leads_query = leads_query.with_hint(Lead, "INDEXED BY ix_leads_created_at_id", dialect_name="sqlite")
    for source, campaign, stage, count in session.execute(leads_query.group_by(Lead.source, Lead.source_detail, Lead.lifecycle_stage)):
        r, rank = row(source, campaign), ranks.get(getattr(stage, "value", stage), 0)
        r.leads += count
        r.mqls += count if rank >= mql else 0
        r.sales_accepted += count if rank >= sql else 0

    # Recycled leads got further than their stage now says: their peak is the stage they were disqualified from.
    peaks = (
        select(Disqualification.lead_id, func.max(stage_rank(Disqualification.stage_before, ranks)).label("peak"))
        .group_by(Disqualification.lead_id)
        .subquery()
    )
    for source, campaign, stage, peak, count in session.execute(
        select(Lead.source, Lead.source_detail, Lead.lifecycle_stage, peaks.c.peak, func.count())
        .join(peaks, peaks.c.lead_id == Lead.id)
        .where(cohort)
        .group_by(Lead.source, Lead.source_detail, Lead.lifecycle_stage, peaks.c.peak)
    ):  # fmt: skip
        r, rank = row(source, campaign), ranks.get(getattr(stage, "value", stage), 0)
        r.mqls += count if rank < mql <= peak else 0
        r.sales_accepted += count if rank < sql <= peak else 0

    for source, campaign, reason, count, returned in session.execute(
        select(Lead.source, Lead.source_detail, Disqualification.reason, func.count(),
               func.sum(case((Disqualification.resurfaced_at.is_not(None), 1), else_=0)))
        .join(Lead, Lead.id == Disqualification.lead_id)
        .where(cohort)
        .group_by(Lead.source, Lead.source_detail, Disqualification.reason)
    ):  # fmt: skip
        r = row(source, campaign)
        r.disqualified_by_reason[getattr(reason, "value", reason)] += count
        if reason == DisqualificationReason.BAD_TIMING:
            r.bad_timing_returns += int(returned or 0)

    for source, campaign, count, won in session.execute(
        select(Opportunity.source, Opportunity.source_detail, func.count(),
               func.sum(case((PipelineStage.outcome == StageOutcome.WON, 1), else_=0)))
        .join(Lead, Lead.id == Opportunity.contact_lead_id)
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
        .where(cohort)
        .group_by(Opportunity.source, Opportunity.source_detail)
    ):  # fmt: skip
        r = row(source, campaign)
        r.opportunities, r.won = count, int(won or 0)

    by_campaign = sorted(rows.values(), key=lambda r: (r.source, r.campaign or ""))
    sources: dict[str, Row] = {}
    total = Row("all", None)
    for r in by_campaign:
        sources.setdefault(r.source, Row(r.source, None)).add(r)
        total.add(r)
    return LeadQuality(start, end, sorted(sources.values(), key=lambda r: r.source), by_campaign, total)


def to_csv(report: LeadQuality) -> str:
    """One line per campaign, then one per source (campaign "*"), then the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["source", "campaign", "leads", "mqls", "sales_accepted", "opportunities", "won",
                     "disqualified", *(f"disqualified_{r}" for r in REASONS), "bad_timing_returns"])  # fmt: skip
    lines = [(r, r.campaign or "") for r in report.by_campaign] + [(r, "*") for r in report.by_source] + [(report.total, "*")]
    for r, campaign in lines:
        writer.writerow([_safe(r.source), _safe(campaign), r.leads, r.mqls, r.sales_accepted, r.opportunities, r.won,
                         r.disqualified, *(r.disqualified_by_reason[x] for x in REASONS), r.bad_timing_returns])  # fmt: skip
    return out.getvalue()

