"""The reports' pure parts: the period a person types, the shaping of counts into tables, charts, CSV and advice."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from nurture.config import Settings
from nurture.errors import ValidationError
from nurture.models import StageOutcome
from nurture.reports.catalog import thresholds
from nurture.reports.deals import BALANCED, DEEPER, VOLUME, DealThresholds, advice, deals_report
from nurture.reports.disqualifications import disqualifications_report
from nurture.reports.funnel import funnel_report
from nurture.reports.lead_quality import LeadQuality, Row
from nurture.reports.marketing_vs_sales import marketing_vs_sales_report
from nurture.reports.period import Period, last_days, parse_period
from nurture.reports.speed_to_lead import LABELS, speed_to_lead_report
from nurture.reports.table import to_csv
from nurture.reports.task_completion import task_completion_report

PERIOD = Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


def test_a_period_takes_whole_days_or_moments_and_says_which_bound_is_wrong():
    assert parse_period({"from": "2026-11-01", "to": "2026-11-30"}) == PERIOD  # "to" includes its day
    assert parse_period({}) == Period(None, None)
    assert parse_period({"from": "2026-11-01T09:30:00Z"}).start == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    with pytest.raises(ValidationError) as both:
        parse_period({"from": "yesterday", "to": "31/12/2026"})
    assert set(both.value.errors) == {"from", "to"} and "YYYY-MM-DD" in both.value.errors["from"]
    with pytest.raises(ValidationError) as backwards:
        parse_period({"from": "2026-11-02", "to": "2026-11-01"})
    assert backwards.value.errors == {"to": "Must be after from"}
    assert last_days(datetime(2026, 11, 30).date(), 30) == {"from": "2026-11-01", "to": "2026-11-30"}


def _quality() -> LeadQuality:
    webinar = Row("webinar", "Q4", leads=100, mqls=40, sales_accepted=20, opportunities=10, won=4)
    webinar.disqualified_by_reason |= {"no_budget": 3, "junk": 1}
    ebook = Row("ebook", None, leads=50, mqls=5, sales_accepted=0)
    total = Row("all", None)
    for r in (webinar, ebook):
        total.add(r)
    by_source = [Row(r.source, None) for r in (ebook, webinar)]
    by_source[0].add(ebook)
    by_source[1].add(webinar)
    return LeadQuality(PERIOD.start, PERIOD.end, by_source, [ebook, webinar], total)


def test_the_funnel_gives_each_stage_and_the_rate_from_the_one_before():
    report = funnel_report(_quality(), PERIOD)
    overall = {r["stage"]: (r["count"], r["conversion"]) for r in report.tables[0].rows}
    assert overall == {"Leads": (150, None), "MQL": (45, 0.3), "SQL": (20, 0.4444), "Opportunity": (10, 0.5), "Won": (4, 0.4)}
    webinar = next(r for r in report.tables[1].rows if r["source"] == "webinar")
    assert (webinar["lead_to_mql"], webinar["mql_to_sql"], webinar["opportunity_to_won"], webinar["lead_to_won"]) == (0.4, 0.5, 0.4, 0.04)
    ebook = next(r for r in report.tables[2].rows if r["source"] == "ebook")
    assert ebook["campaign"] == "(no campaign)" and ebook["sql_to_opportunity"] is None  # nothing to divide: no rate, not 0%
    chart = report.tables[1].chart_config()
    # Sources shown as words in the page and the chart; the rows (CSV, JSON) keep the keys.
    assert [cells[0] for cells in report.tables[1].display_rows()][:2] == ["Ebook", "Webinar"]
    assert chart["data"]["labels"] == ["Ebook", "Webinar"] and [d["label"] for d in chart["data"]["datasets"]][:2] == ["Leads", "MQL"]


def test_marketing_and_sales_counts_side_by_side_with_the_gap():
    report = marketing_vs_sales_report(_quality(), PERIOD)
    rows = {r["source"]: r for r in report.tables[0].rows}
    assert (rows["webinar"]["marketing_qualified"], rows["webinar"]["sales_accepted"], rows["webinar"]["gap"]) == (40, 20, 20)
    assert rows["webinar"]["acceptance_rate"] == 0.5 and rows["webinar"]["rejected"] == 4
    assert rows["all"]["marketing_qualified"] == 45
    assert report.tables[0].chart_config()["data"]["labels"] == ["Ebook", "Webinar"]  # the total is in the table, not the chart


def test_disqualification_reasons_per_source_and_the_most_common():
    report = disqualifications_report(_quality(), PERIOD)
    [webinar, total] = report.tables[0].rows  # the ebook had none: no empty row
    assert (webinar["no_budget"], webinar["junk"], webinar["disqualified"], webinar["of_sales_accepted"]) == (3, 1, 4, 0.2)
    assert total["source"] == "all" and "no budget" in report.notes[0]
    assert report.tables[0].chart_config()["options"]["scales"]["x"]["stacked"] is True


def test_speed_to_lead_buckets_in_order_with_breaches_and_the_average():
    counts = {0: (3, 0, 3 * 120.0), 2: (2, 0, 2 * 7200.0), 5: (1, 1, 4 * 86400.0), -1: (4, 3, 0.0)}
    report = speed_to_lead_report(counts, PERIOD)
    rows = report.tables[0].rows
    assert [r["bucket"] for r in rows] == LABELS and rows[-1]["bucket"] == "Not touched yet"
    assert [(r["leads"], r["breached"]) for r in rows] == [(3, 0), (0, 0), (2, 0), (0, 0), (0, 0), (1, 1), (4, 3)]
    assert report.summary["sla_breaches"] == 4 and report.summary["handed_over"] == 10 and report.summary["breach_rate"] == 0.4
    assert report.summary["average_minutes_to_touch"] == round((360 + 14400 + 345600) / 60 / 6, 1)


def test_task_completion_per_rep_sorted_with_a_total_and_the_on_time_rate():
    counts = [(2, "zoe@example.com", "", 4, 1, 1, 1, 1, 0), (1, "al@example.com", "Al", 2, 2, 0, 0, 0, 0),
              (None, None, None, 1, 0, 0, 0, 1, 0)]  # fmt: skip
    rows = task_completion_report(counts, PERIOD).tables[0].rows
    assert [r["rep"] for r in rows] == ["Al", "zoe@example.com", "(unassigned)", "all"]
    assert (rows[1]["due"], rows[1]["late"], rows[1]["reassigned"], rows[1]["on_time_rate"]) == (4, 1, 1, 0.25)
    assert (rows[-1]["due"], rows[-1]["overdue_open"]) == (7, 2)


@pytest.mark.parametrize(("won", "lost", "amount", "style"), [
    (5, 5, Decimal(50_000), DEEPER),     # average 10,000: at the high threshold
    (5, 5, Decimal(49_995), BALANCED),   # 9,999
    (5, 5, Decimal(5_000), VOLUME),      # 1,000: at the low threshold
    (5, 5, Decimal(5_005), BALANCED),
    (4, 0, Decimal(1_000_000), None),    # too few won deals to say
])  # fmt: skip
def test_the_deal_size_rule_and_its_thresholds(won, lost, amount, style):
    assert advice(won, lost, amount, DealThresholds())[0] == style


def test_win_rate_advice_needs_enough_closed_deals():
    low = advice(5, 25, Decimal(5000 * 5), DealThresholds())[1]
    assert any("qualify harder" in s for s in low)
    high = advice(9, 1, Decimal(9000), DealThresholds())[1]
    assert any("more, less certain leads" in s for s in high)
    assert len(advice(1, 8, Decimal(10), DealThresholds())[1]) == 1  # 9 closed: only "too few"


def test_deals_keep_currencies_apart_and_export_every_table_as_csv():
    counts = [("EUR", "webinar", StageOutcome.WON, 6, Decimal("120000")), ("EUR", "webinar", StageOutcome.LOST, 2, Decimal("9")),
              ("EUR", "=cmd", StageOutcome.WON, 1, Decimal("500")), ("USD", "ebook", StageOutcome.WON, 1, Decimal("700"))]  # fmt: skip
    report = deals_report(counts, PERIOD, DealThresholds(high=Decimal(10_000), low=Decimal(1_000)))
    eur, usd = report.tables[0].rows
    assert (eur["won"], eur["lost"], eur["win_rate"], eur["average_deal_size"], eur["advice"]) == (7, 2, 0.7778, Decimal("17214.29"), DEEPER)
    assert (usd["won"], usd["advice"]) == (1, None) and any(n.startswith("USD: Too few") for n in report.notes)
    lines = list(csv.reader(io.StringIO(to_csv(report))))
    assert lines[0][:3] == ["table", "currency", "won"] and "source" in lines[0]
    assert [line[0] for line in lines[1:]] == ["by_currency", "by_currency", "by_source", "by_source", "by_source"]
    assert any(line[lines[0].index("source")] == "'=cmd" for line in lines)  # never a spreadsheet formula
    assert report.as_dict()["summary"]["by_currency"]["EUR"]["average_deal_size"] == 17214.29


def test_the_deal_size_thresholds_come_from_the_environment():
    env = {"NURTURE_DATABASE_URL": "sqlite://", "NURTURE_SECRET_KEY": "k"}
    assert thresholds(Settings.from_env(env)) == DealThresholds(Decimal(10_000), Decimal(1_000))
    custom = thresholds(Settings.from_env(env | {"NURTURE_DEAL_SIZE_HIGH": "50000", "NURTURE_DEAL_SIZE_LOW": "2500.5"}))
    assert custom == DealThresholds(Decimal(50_000), Decimal("2500.5"))
    assert advice(5, 0, Decimal(5 * 40_000), custom)[0] == BALANCED  # 40,000 is "high" only under the default
