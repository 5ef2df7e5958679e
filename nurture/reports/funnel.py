"""The funnel lead → MQL → SQL → opportunity → won, overall, by source and by campaign, with the
conversion rate between each stage and the next.

No query of its own: the lead-quality report's counts for the leads created in the period, shaped.
Opportunities count deals (several per lead possible), so SQL → opportunity may pass 100%.
"""

from __future__ import annotations

from typing import Any

from nurture.reports.lead_quality import LeadQuality, Row
from nurture.reports.period import Period
from nurture.reports.table import Chart, Column, Report, Table, rate

STAGES = [("leads", "Leads"), ("mqls", "MQL"), ("sales_accepted", "SQL"), ("opportunities", "Opportunity"), ("won", "Won")]
# (name, label, from stage, to stage): lead_to_mql = MQLs / leads.
RATES = [
    ("lead_to_mql", "Lead → MQL", "leads", "mqls"),
    ("mql_to_sql", "MQL → SQL", "mqls", "sales_accepted"),
    ("sql_to_opportunity", "SQL → opportunity", "sales_accepted", "opportunities"),
    ("opportunity_to_won", "Opportunity → won", "opportunities", "won"),
]
NO_CAMPAIGN = "(no campaign)"


def _rates(row: Row) -> dict[str, Any]:
    values: dict[str, Any] = {key: getattr(row, key) for key, _label in STAGES}
    for name, _label, before, after in RATES:
        values[name] = rate(values[after], values[before])
    values["lead_to_won"] = rate(row.won, row.leads)
    return values


def _columns(*leading: Column) -> list[Column]:
    return [*leading, *(Column(k, label, "count") for k, label in STAGES),
            *(Column(name, label, "rate") for name, label, _a, _b in RATES), Column("lead_to_won", "Lead → won", "rate")]  # fmt: skip


def funnel_report(quality: LeadQuality, period: Period) -> Report:
    total = _rates(quality.total)
    overall = Table(
        "overall", "The funnel",
        [Column("stage", "Stage"), Column("count", "Count", "count"), Column("conversion", "From the stage before", "rate")],
        [{"stage": label, "count": total[key], "conversion": None if i == 0 else total[RATES[i - 1][0]]}
         for i, (key, label) in enumerate(STAGES)],
        Chart("stage", ("count",)),
    )  # fmt: skip
    by_source = Table(
        "by_source", "By source", _columns(Column("source", "Source", "key")),
        [{"source": r.source, **_rates(r)} for r in quality.by_source],
        Chart("source", tuple(k for k, _label in STAGES)),
    )  # fmt: skip
    by_campaign = Table(
        "by_campaign", "By campaign", _columns(Column("source", "Source", "key"), Column("campaign", "Campaign")),
        [{"source": r.source, "campaign": r.campaign or NO_CAMPAIGN, **_rates(r)} for r in quality.by_campaign],
    )  # fmt: skip
    notes = [f"Leads created in the period and how far they got so far. The campaign is the lead's source detail; "
             f"{total['leads']} leads, {total['won']} won.",
             "Opportunities and wins count deals, with the source they had when opened (a lead may have more than "
             "one: a lost deal that comes back is a new one), so a rate may pass 100%."]  # fmt: skip
    return Report("funnel", "Funnel", period, [overall, by_source, by_campaign], notes, {"total": total})
