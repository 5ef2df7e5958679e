"""The stuck report's categories, in the order shown: one module and one function each.

To add one, write a module with
a ``find(session, context) -> list[StuckItem]`` and a ``CATEGORY``, and append
it here; ``creates_tasks=True`` plus a ``task_key`` per item makes the sweep
task each item's owner once.
"""

from __future__ import annotations

from nurture.reports.stuck import first_touch, overdue_opportunities, sql_outcome, stage_age
from nurture.reports.stuck.items import Category

CATEGORIES: list[Category] = [
    first_touch.CATEGORY,
    sql_outcome.CATEGORY,
    overdue_opportunities.CATEGORY,
    stage_age.CATEGORY,
]
