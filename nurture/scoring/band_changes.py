"""A band change, applied forward: audited band by band, and the stored grades re-derived from now on.

History stays as it was: the timeline's past events, the policy versions and
this audit are never rewritten. What moves forward is what lists read now:
each score snapshot's grade (from its stored fit, one UPDATE), and the
temperatures, which are derived from the snapshot's engagement under the
rules in force whenever a list is read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, update
from sqlalchemy.orm import Session

from nurture.definition_audit import record_change
from nurture.models import LeadScoreSnapshot, User
from nurture.scoring.rules import ScoringRules

BAND_SUBJECTS = ("grade_band", "temperature_band")


def _floors(rules: ScoringRules) -> dict[str, dict[str, int]]:
    """Each band's lowest score (the last band has none: it takes the rest)."""
    return {"grade_band": dict(rules.grade_bands[:-1]), "temperature_band": dict(rules.temperature_bands[:-1])}


def changed_bands(before: ScoringRules, after: ScoringRules) -> list[tuple[str, str, int, int]]:
    """(subject, band, floor before, floor after) for every band whose floor moved."""
    old, new = _floors(before), _floors(after)
    return [(subject, name, old[subject][name], floor) for subject in BAND_SUBJECTS
            for name, floor in new[subject].items() if old[subject].get(name) != floor]  # fmt: skip


def regrade_snapshots(session: Session, rules: ScoringRules) -> int:
    """Re-derive every stored grade from its fit under ``rules``; returns how many changed."""
    grade = case(*((LeadScoreSnapshot.fit >= floor, name) for name, floor in rules.grade_bands[:-1]), else_=rules.grade_bands[-1][0])
    result = session.execute(
        update(LeadScoreSnapshot).where(LeadScoreSnapshot.grade != grade).values(grade=grade)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return result.rowcount or 0  # type: ignore[attr-defined]


def apply_band_change(
    session: Session, before: ScoringRules, after: ScoringRules, version_id: int, actor: User | None, now: datetime
) -> int:
    """Audit each moved band and regrade forward (the caller commits with the new version); returns bands moved."""
    moved = changed_bands(before, after)
    for subject, name, old, new in moved:
        record_change(session, subject, name, "changed", {"floor": old}, {"floor": new}, actor, now, version_id)
    if any(subject == "grade_band" for subject, *_ in moved):
        regrade_snapshots(session, after)
    return len(moved)
