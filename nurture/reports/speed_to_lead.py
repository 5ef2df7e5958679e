"""Speed to lead: from the moment a lead became sales-ready to its rep's first touch, as a distribution
(histogram buckets), with the SLA breaches counted.

A lead's first-touch tasks are its handoff: the first one's creation is the sales-ready moment and its due
time the SLA deadline. The touch is the earliest first-touch task a rep completed; a task closed by the
escalation's reassignment (completed at the moment it was escalated) is not a touch. A breach is a touch
after the deadline, or none yet with the deadline past. Leads handed to sales in the period count; a lead
handed over twice (recycled, then sales-ready again) counts once, by its first handoff in the period.

One grouped query over the period's first-touch tasks; the buckets are computed in SQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from nurture.models import Task
from nurture.reports.elapsed import elapsed_seconds
from nurture.reports.period import Period
from nurture.reports.table import Chart, Column, Report, Table, rate

# (upper bound in seconds, label); then one bucket above the last bound, and one for leads not touched yet.
BUCKETS = [(300, "Under 5 minutes"), (3600, "5–60 minutes"), (4 * 3600, "1–4 hours"), (24 * 3600, "4–24 hours"),
           (72 * 3600, "1–3 days")]  # fmt: skip
LONGER, UNTOUCHED = "Over 3 days", "Not touched yet"
LABELS = [label for _edge, label in BUCKETS] + [LONGER, UNTOUCHED]
COLUMNS = [Column("bucket", "Time to first touch"), Column("leads", "Leads", "count"),
           Column("within_sla", "Within SLA", "count"), Column("breached", "SLA breached", "count")]  # fmt: skip


def speed_counts(session: Session, period: Period, now: datetime) -> dict[int, tuple[int, int, float]]:
    """{bucket index: (leads, breaches, seconds to touch summed)}; index len(BUCKETS) is "over", -1 "not touched"."""
    touched = case((and_(Task.completed_at.is_not(None),
                         or_(Task.escalated_at.is_(None), Task.completed_at != Task.escalated_at)), Task.completed_at))  # fmt: skip
    conditions = [Task.kind == "first_touch"]
    conditions += [Task.created_at >= period.start] if period.start else []
    conditions += [Task.created_at < period.end] if period.end else []
    per_lead = (
        select(func.min(Task.created_at).label("ready_at"), func.min(Task.due_at).label("due_at"),
               func.min(touched).label("touched_at"))
        .where(*conditions).group_by(Task.lead_id).subquery()
    )  # fmt: skip
    seconds = elapsed_seconds(per_lead.c.touched_at, per_lead.c.ready_at)
    bucket = case((per_lead.c.touched_at.is_(None), -1), *((seconds < edge, i) for i, (edge, _l) in enumerate(BUCKETS)),
                  else_=len(BUCKETS))  # fmt: skip
    breached = case((per_lead.c.touched_at > per_lead.c.due_at, 1),
                    (and_(per_lead.c.touched_at.is_(None), per_lead.c.due_at < now), 1), else_=0)  # fmt: skip
    # Bucketed per lead in a subquery, grouped outside: PostgreSQL will not match a GROUP BY with bound parameters.
    leads = select(bucket.label("bucket"), breached.label("breached"), seconds.label("seconds")).subquery()
    query = select(leads.c.bucket, func.count(), func.sum(leads.c.breached), func.sum(leads.c.seconds)).group_by(leads.c.bucket)
    return {int(b): (int(n), int(late or 0), float(secs or 0)) for b, n, late, secs in session.execute(query)}


def speed_to_lead_report(counts: dict[int, tuple[int, int, float]], period: Period) -> Report:
    order = [*range(len(BUCKETS) + 1), -1]
    rows = []
    for index, label in zip(order, LABELS, strict=True):
        leads, late, _secs = counts.get(index, (0, 0, 0.0))
        rows.append({"bucket": label, "leads": leads, "within_sla": leads - late, "breached": late})
    handed = sum(n for n, _late, _s in counts.values())
    untouched = counts.get(-1, (0, 0, 0.0))[0]
    breaches = sum(late for _n, late, _s in counts.values())
    touched_seconds = sum(s for b, (_n, _late, s) in counts.items() if b != -1)
    average = round(touched_seconds / 60 / (handed - untouched), 1) if handed > untouched else None
    summary = {"handed_over": handed, "touched": handed - untouched, "not_touched": untouched, "sla_breaches": breaches,
               "breach_rate": rate(breaches, handed), "average_minutes_to_touch": average}  # fmt: skip
    notes = [f"{handed} leads handed to sales in the period, {breaches} SLA breaches"
             + (f"; first touch after {_duration(average)} on average." if average is not None else ".")]  # fmt: skip
    table = Table("distribution", "Time from sales-ready to first touch", COLUMNS, rows,
                  Chart("bucket", ("within_sla", "breached"), stacked=True))  # fmt: skip
    return Report("speed-to-lead", "Speed to lead", period, [table], notes, summary)


def _duration(minutes: float) -> str:
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    return f"{minutes / 60:.1f} hours" if minutes < 48 * 60 else f"{minutes / 1440:.1f} days"
