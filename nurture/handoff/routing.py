"""Choosing the rep: the first matching territory's reps (else all reps), then weighted least-loaded
among those who are active, not away and under capacity."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from nurture.db.base import utcnow
from nurture.handoff.territories import territory_for
from nurture.models import Lead, LifecycleStage, OwnerTeam, Role, User

OPEN_STAGES = (LifecycleStage.SQL,)


@dataclass(frozen=True)
class Route:
    rep: User | None
    why: str  # for the timeline: which territory, or the fallback


def available(now: datetime) -> ColumnElement[bool]:
    """Reps who may get a lead now: active, and not away (or back, their away-until date passed)."""
    back = and_(User.away_until.is_not(None), User.away_until <= now)
    return and_(User.role == Role.REP, User.active.is_(True), or_(User.away.is_(False), back))


def choose_rep(
    session: Session, now: datetime | None = None, among: Collection[int] | None = None, exclude: Collection[int] = ()
) -> User | None:
    query = select(User).where(available(now or utcnow())).order_by(User.id)
    if among is not None:
        query = query.where(User.id.in_(list(among)))
    reps = [r for r in session.scalars(query) if r.id not in exclude]
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


def route_lead(session: Session, lead: Lead, now: datetime, exclude: Collection[int] = ()) -> Route:
    """The lead's rep. A territory whose reps are all away or full falls back to every rep (said in ``why``)."""
    territory = territory_for(session, lead)
    if territory is not None:
        rep = choose_rep(session, now, among=[r.id for r in territory.reps], exclude=exclude)
        if rep is not None:
            return Route(rep, f"territory {territory.name}")
        rep = choose_rep(session, now, exclude=exclude)
        return Route(rep, f"territory {territory.name} had no available rep; all reps")
    return Route(choose_rep(session, now, exclude=exclude), "no territory matched; all reps")
