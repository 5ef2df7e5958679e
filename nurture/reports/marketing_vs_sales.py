"""Marketing's count versus sales-accepted, per source: the two teams' numbers side by side.

Marketing counts the leads it qualified (reached MQL); sales counts the ones it accepted (reached SQL,
kept even if later recycled). The gap and the rejections (disqualifications) are where the teams
disagree. No query of its own: the lead-quality report's counts, shaped.
"""

from __future__ import annotations

from nurture.reports.lead_quality import LeadQuality, Row
from nurture.reports.period import Period
from nurture.reports.table import Chart, Column, Report, Table, rate

COLUMNS = [
    Column("source", "Source", "key"),
    Column("leads", "Leads", "count"),
    Column("marketing_qualified", "Marketing: MQLs", "count"),
    Column("sales_accepted", "Sales: accepted (SQL)", "count"),
    Column("acceptance_rate", "Accepted of MQLs", "rate"),
    Column("gap", "Not accepted", "count"),
    Column("rejected", "Sent back (disqualified)", "count"),
]


def _row(row: Row) -> dict[str, object]:
    return {"source": row.source, "leads": row.leads, "marketing_qualified": row.mqls, "sales_accepted": row.sales_accepted,
            "acceptance_rate": rate(row.sales_accepted, row.mqls), "gap": row.mqls - row.sales_accepted,
            "rejected": row.disqualified}  # fmt: skip


def marketing_vs_sales_report(quality: LeadQuality, period: Period) -> Report:
    rows = [_row(r) for r in quality.by_source] + ([_row(quality.total)] if quality.by_source else [])
    table = Table("by_source", "By source", COLUMNS, rows, Chart("source", ("marketing_qualified", "sales_accepted")))
    total = _row(quality.total)
    notes = [f"Of the leads created in the period, marketing qualified {total['marketing_qualified']} and sales accepted "
             f"{total['sales_accepted']}; sales sent {total['rejected']} back with a reason."]  # fmt: skip
    return Report("marketing-vs-sales", "Marketing vs sales", period, [table], notes, {"total": total})
