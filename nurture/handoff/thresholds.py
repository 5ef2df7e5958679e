"""MQL and sales-ready thresholds, with hysteresis: a lead must fall clearly below to count as cooled."""

from __future__ import annotations

from dataclasses import dataclass

from nurture.models import LifecycleStage


@dataclass(frozen=True)
class Thresholds:
    mql_engagement: int = 30
    sales_ready_engagement: int = 50
    sales_ready_min_fit: int = 0
    # Below threshold minus this margin a lead has cooled (for reports and re-nurture), not just below.
    hysteresis: int = 10
    sla_business_hours: int = 24


def next_stage(stage: LifecycleStage, engagement: int, fit: int, t: Thresholds) -> LifecycleStage | None:
    """The stage a score earns, if it is further along than ``stage`` (stages never move back here)."""
    if engagement >= t.sales_ready_engagement and fit >= t.sales_ready_min_fit:
        target = LifecycleStage.SQL
    elif engagement >= t.mql_engagement:
        target = LifecycleStage.MQL
    else:
        return None
    return target if target.rank > stage.rank else None


def cooled(engagement: int, t: Thresholds) -> bool:
    return engagement < t.mql_engagement - t.hysteresis
