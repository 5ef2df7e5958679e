"""Disqualification reasons by source: why sales sent leads back, and where those leads came from.

No query of its own: the lead-quality report's counts (leads created in the period), shaped.
"""

from __future__ import annotations

from nurture.reports.lead_quality import REASONS, LeadQuality, Row
from nurture.reports.period import Period
from nurture.reports.table import Chart, Column, Report, Table, rate

LABELS = {"no_budget": "No budget", "no_authority": "No authority", "no_need": "No need", "bad_timing": "Bad timing",
          "competitor": "Competitor", "not_reachable": "Not reachable", "junk": "Junk"}  # fmt: skip
COLUMNS = [Column("source", "Source", "key"), *(Column(r, LABELS.get(r, r), "count") for r in REASONS),
           Column("disqualified", "Disqualified", "count"), Column("of_sales_accepted", "Of sales-accepted", "rate")]  # fmt: skip


def _row(row: Row) -> dict[str, object]:
    return {"source": row.source, **row.disqualified_by_reason, "disqualified": row.disqualified,
            "of_sales_accepted": rate(row.disqualified, row.sales_accepted)}  # fmt: skip


def disqualifications_report(quality: LeadQuality, period: Period) -> Report:
    rows = [_row(r) for r in quality.by_source if r.disqualified]
    table = Table("by_source", "Reasons by source", COLUMNS, rows + ([_row(quality.total)] if rows else []),
                  Chart("source", tuple(REASONS), stacked=True))  # fmt: skip
    total = quality.total
    top = max(REASONS, key=lambda r: total.disqualified_by_reason[r]) if total.disqualified else None
    notes = [f"{total.disqualified} disqualifications of leads created in the period"
             + (f"; the most common reason: {LABELS[top].lower()}." if top else ".")]  # fmt: skip
    return Report("disqualifications", "Disqualification reasons", period, [table], notes,
                  {"total": total.disqualified, "by_reason": dict(total.disqualified_by_reason)})  # fmt: skip
