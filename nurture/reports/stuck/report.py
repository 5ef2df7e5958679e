"""The stuck report: every category's items (one query each) and the per-source shares, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from nurture.reports.lead_quality import _safe
from nurture.reports.source_shares import SourceShare, source_shares
from nurture.reports.stuck.categories import CATEGORIES
from nurture.reports.stuck.items import Category, StuckContext, StuckItem


@dataclass(frozen=True)
class StuckReport:
    context: StuckContext
    sections: list[tuple[Category, list[StuckItem]]]
    by_source: list[SourceShare]
    by_campaign: list[SourceShare]

    def truncated(self, items: list[StuckItem]) -> bool:
        return len(items) >= self.context.limit


def stuck_report(session: Session, context: StuckContext, start: datetime | None = None, end: datetime | None = None) -> StuckReport:
    sections = [(category, category.find(session, context)) for category in CATEGORIES]
    by_source, by_campaign = source_shares(session, start, end)
    return StuckReport(context, sections, by_source, by_campaign)


def item_dict(item: StuckItem, now: datetime) -> dict[str, Any]:
    return {
        "lead_id": item.lead_id, "lead_email": item.lead_email, "lead_name": item.lead_name,
        "owner_user_id": item.owner_user_id, "owner_email": item.owner_email, "age_days": item.age_days(now),
        "since": item.since.isoformat(), "source": item.source, "campaign": item.campaign, "detail": item.detail,
        "opportunity_id": item.opportunity_id,
    }  # fmt: skip


def report_dict(report: StuckReport) -> dict[str, Any]:
    now = report.context.now
    return {
        "as_of": now.isoformat(),
        "sql_outcome_days": report.context.sql_outcome_days,
        "categories": [
            {"key": category.key, "title": category.title, "count": len(items), "truncated": report.truncated(items),
             "creates_tasks": category.creates_tasks, "items": [item_dict(item, now) for item in items]}
            for category, items in report.sections
        ],
        "by_source": [share.as_dict() for share in report.by_source],
        "by_campaign": [share.as_dict() for share in report.by_campaign],
    }  # fmt: skip


def to_csv(report: StuckReport) -> str:
    """One line per stuck item (the per-source shares are in the JSON and on the page)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["category", "lead_id", "lead_email", "lead_name", "owner_email", "age_days", "since", "source",
                     "campaign", "opportunity_id", "detail"])  # fmt: skip
    for category, items in report.sections:
        for item in items:
            writer.writerow([category.key, item.lead_id, item.lead_email, _safe(item.lead_name), item.owner_email or "",
                             item.age_days(report.context.now), item.since.isoformat(), item.source, _safe(item.campaign or ""),
                             item.opportunity_id or "", _safe(item.detail)])  # fmt: skip
    return out.getvalue()
