"""Per-rep task completion: of the tasks due in the period, how many were done on time, done late, are
overdue and still open, or were taken away by an SLA reassignment (completed when escalated).

One grouped query over the period's tasks, with the rep's name joined.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from nurture.models import Task, User
from nurture.reports.period import Period
from nurture.reports.table import Chart, Column, Report, Table, rate

COUNTS = [("due", "Due"), ("on_time", "Done on time"), ("late", "Done late"), ("reassigned", "Reassigned (SLA)"),
          ("overdue_open", "Overdue, open"), ("open", "Open, not yet due")]  # fmt: skip
COLUMNS = [Column("rep", "Rep"), *(Column(k, label, "count") for k, label in COUNTS),
           Column("on_time_rate", "On time", "rate")]  # fmt: skip
UNASSIGNED = "(unassigned)"


def completion_counts(session: Session, period: Period, now: datetime, owner_id: int | None = None) -> list[tuple]:
    """(owner id, email, name, due, on time, late, reassigned, overdue open, open) per owner."""
    done = Task.completed_at.is_not(None)
    reassigned = and_(done, Task.escalated_at.is_not(None), Task.completed_at == Task.escalated_at)

    def count(condition: object) -> object:
        return func.sum(case((condition, 1), else_=0))  # type: ignore[arg-type]

    conditions = [Task.due_at >= period.start] if period.start else []
    conditions += [Task.due_at < period.end] if period.end else []
    conditions += [Task.owner_user_id == owner_id] if owner_id is not None else []
    query = (
        select(Task.owner_user_id, User.email, User.name, func.count(),
               count(and_(done, Task.completed_at <= Task.due_at, ~reassigned)),
               count(and_(done, Task.completed_at > Task.due_at, ~reassigned)), count(reassigned),
               count(and_(Task.completed_at.is_(None), Task.due_at < now)),
               count(and_(Task.completed_at.is_(None), Task.due_at >= now)))
        .outerjoin(User, User.id == Task.owner_user_id)
        .where(*conditions)
        .group_by(Task.owner_user_id, User.email, User.name)
    )  # fmt: skip
    return [tuple(row) for row in session.execute(query)]


def task_completion_report(counts: list[tuple], period: Period) -> Report:
    rows = []
    for _owner, email, name, *numbers in counts:
        values = dict(zip((k for k, _l in COUNTS), (int(n or 0) for n in numbers), strict=True))
        rows.append({"rep": name or email or UNASSIGNED, **values, "on_time_rate": rate(values["on_time"], values["due"])})
    rows.sort(key=lambda r: (r["rep"] == UNASSIGNED, str(r["rep"]).lower()))
    totals = {k: sum(r[k] for r in rows) for k, _l in COUNTS}
    if len(rows) > 1:
        rows.append({"rep": "all", **totals, "on_time_rate": rate(totals["on_time"], totals["due"])})
    table = Table("by_rep", "Tasks due in the period, by rep", COLUMNS, rows,
                  Chart("rep", ("on_time", "late", "reassigned", "overdue_open", "open"), stacked=True, horizontal=True))  # fmt: skip
    notes = [f"{totals['due']} tasks due in the period: {totals['on_time']} done on time, {totals['late']} late, "
             f"{totals['overdue_open']} overdue and still open."]  # fmt: skip
    return Report("task-completion", "Task completion", period, [table], notes, {"total": totals})
