"""What sales asks of marketing's leads, per source and campaign: volume, share sales-ready, share accepted.

Built on the lead-quality report (its four grouped queries, its cohort and
peak-stage rules), so the two never disagree:

- volume: leads created in the period;
- sales-ready: those handed to sales (reached SQL, even if recycled since), as a share of volume;
- accepted by sales: of those, the ones sales did not send back as unfit (every disqualification
  but "bad timing", which is a good lead at the wrong time), as a share of the sales-ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from nurture.models import DisqualificationReason
from nurture.reports.lead_quality import Row, lead_quality


@dataclass(frozen=True)
class SourceShare:
    source: str
    campaign: str | None
    volume: int
    sales_ready: int
    accepted: int

    @property
    def sales_ready_share(self) -> float | None:
        return round(self.sales_ready / self.volume, 4) if self.volume else None

    @property
    def accepted_share(self) -> float | None:
        return round(self.accepted / self.sales_ready, 4) if self.sales_ready else None

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "campaign": self.campaign, "volume": self.volume, "sales_ready": self.sales_ready,
                "sales_ready_share": self.sales_ready_share, "accepted_by_sales": self.accepted,
                "accepted_share": self.accepted_share}  # fmt: skip


def _share(row: Row) -> SourceShare:
    rejected = row.disqualified - row.disqualified_by_reason[DisqualificationReason.BAD_TIMING.value]
    return SourceShare(row.source, row.campaign, row.leads, row.sales_accepted, max(0, row.sales_accepted - rejected))


def source_shares(session: Session, start: datetime | None, end: datetime | None) -> tuple[list[SourceShare], list[SourceShare]]:
    """(per source, per campaign) for the leads created in [start, end)."""
    report = lead_quality(session, start, end)
    return [_share(r) for r in report.by_source], [_share(r) for r in report.by_campaign]
