"""What every report is made of: tables of rows (each may carry a chart of its own figures), as CSV or JSON.

The chart is drawn from the table's own rows, so the page never shows a figure the table does not.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from nurture.keys import key_words
from nurture.reports.period import Period


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text | key (a stored key such as trade_show, shown as words) | count | rate (a fraction, or None when
    # nothing to divide) | money | minutes
    kind: str = "text"


@dataclass(frozen=True)
class Chart:
    """A Chart.js bar chart: one dataset per value column, one bar group per row."""

    label_key: str
    value_keys: tuple[str, ...]
    stacked: bool = False
    horizontal: bool = False
    # Rows left out of the chart (a total would dwarf the bars; the table still shows it).
    skip_labels: tuple[str, ...] = ("all",)


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: Chart | None = None

    def chart_config(self) -> dict[str, Any] | None:
        """The Chart.js configuration (rates drawn as percentages), or None without a chart or rows."""
        if self.chart is None or not self.rows:
            return None
        labels = {c.key: c for c in self.columns}
        rows = [row for row in self.rows if str(row[self.chart.label_key]) not in self.chart.skip_labels]
        datasets = []
        for key in self.chart.value_keys:
            scale = 100 if labels[key].kind == "rate" else 1
            values = [None if row[key] is None else round(float(row[key]) * scale, 1) for row in rows]
            datasets.append({"label": labels[key].label, "data": values})
        axis = {"stacked": self.chart.stacked, "beginAtZero": True}
        counts = all(labels[key].kind == "count" for key in self.chart.value_keys)
        values = {**axis, "ticks": {"precision": 0}} if counts else {**axis, "title": {"display": True, "text": "%"}}
        x, y = (values, axis) if self.chart.horizontal else (axis, values)
        return {
            "type": "bar",
            "data": {"labels": [display(row[self.chart.label_key], labels[self.chart.label_key].kind) for row in rows],
                     "datasets": datasets},
            "options": {"indexAxis": "y" if self.chart.horizontal else "x", "animation": False, "maintainAspectRatio": False,
                        "scales": {"x": x, "y": y}},
        }  # fmt: skip

    def numeric_columns(self) -> list[bool]:
        return [c.kind not in ("text", "key") for c in self.columns]

    def display_rows(self) -> list[list[str | None]]:
        """Each row's cells as people read them (None: nothing to show); formatted here, not cell by cell in Jinja,
        so a by-campaign table of hundreds of rows renders in a few milliseconds."""
        return [[display(row[c.key], c.kind) for c in self.columns] for row in self.rows]

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "columns": [c.key for c in self.columns], "rows": [_plain(r) for r in self.rows]}


@dataclass
class Report:
    slug: str
    title: str
    period: Period
    tables: list[Table]
    # Facts and advice in words, shown above the tables and sent with the JSON.
    notes: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"report": self.slug, "title": self.title, **self.period.as_dict(), "summary": _plain(self.summary),
                "notes": self.notes, "tables": {t.key: t.as_dict() for t in self.tables}}  # fmt: skip


def display(value: Any, kind: str) -> str | None:
    if value is None:
        return None
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "key":
        return key_words(str(value))
    return f"{value:,}" if kind == "count" else str(value)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def to_csv(report: Report) -> str:
    """Every table's rows under one header (the union of the columns), the first column naming the table."""
    keys: list[str] = []
    for table in report.tables:
        keys += [c.key for c in table.columns if c.key not in keys]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["table", *keys])
    for table in report.tables:
        for row in table.rows:
            writer.writerow([table.key, *(_csv_value(row.get(k)) for k in keys)])
    return out.getvalue()


def spreadsheet_safe(text: str) -> str:
    """Names come from the public: never let a spreadsheet run them as formulas."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def _plain(value: Any) -> Any:
    """Decimals (money) as numbers for JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value
