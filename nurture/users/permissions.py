"""Who may act on what: reps on their own leads and deals, admins on all, marketers read."""

from __future__ import annotations

from nurture.models import Lead, Opportunity, Role, User


def may_work_lead(user: User, lead: Lead) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.REP and lead.owner_user_id == user.id)


def may_work_opportunity(user: User, opportunity: Opportunity) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.REP and opportunity.owner_user_id == user.id)
