"""Choosing the rep: weighted least-loaded among reps who are active, not away and under capacity."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.models import Lead, LifecycleStage, OwnerTeam, Role, User

OPEN_STAGES = (LifecycleStage.SQL,)


def choose_rep(session: Session) -> User | None:
    reps = session.scalars(
        select(User).where(User.role == Role.REP, User.active.is_(True), User.away.is_(False)).order_by(User.id)
    ).all()
    if not reps:
        return None
    load = dict(
        session.execute(
            select(Lead.owner_user_id, func.count())
            .where(Lead.owner_team == OwnerTeam.SALES, Lead.lifecycle_stage.in_(OPEN_STAGES), Lead.owner_user_id.in_([r.id for r in reps]))
            .group_by(Lead.owner_user_id)
        ).all()
    )
    candidates = [r for r in reps if r.capacity <= 0 or load.get(r.id, 0) < r.capacity]
    if not candidates:
        return None
    # The rep furthest below their share gets the lead: over time shares follow the weights.
    return min(candidates, key=lambda r: ((load.get(r.id, 0) + 1) / max(1, r.routing_weight), r.id))
