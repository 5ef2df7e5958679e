"""Applying validated values to a lead and recording each change on its timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.companies import company_for_domain
from nurture.leads.geography import guess_timezone
from nurture.leads.status_values import active_status_keys, check_status
from nurture.leads.timeline import jsonable, record_event
from nurture.leads.validation import LeadInput, company_domain_for
from nurture.models import Lead, Role, User
from nurture.stages.ladder import Ladder, load_ladder

# Changes that get an event kind of their own; the rest are "updated".
_OWN_KIND = {"lifecycle_stage": "stage_changed", "lead_status": "status_changed"}
_OWNER_FIELDS = ("owner_team", "owner_user_id")


def resolve_owner(session: Session, values: LeadInput) -> User | None:
    if not values.owner_given or (values.owner_email is None and values.owner_user_id is None):
        return None
    if values.owner_user_id is not None:
        user, field = session.get(User, values.owner_user_id), "owner_user_id"
    else:
        user, field = session.scalar(select(User).where(User.email == values.owner_email)), "owner_email"
    if user is None or not user.active:
        raise ValidationError({field: "No active user with this identity"})
    if user.role not in (Role.REP, Role.ADMIN, Role.MARKETER):
        raise ValidationError({field: "This user cannot own leads"})
    return user


def check_stage_forward(ladder: Ladder, current: str | None, values: LeadInput) -> None:
    """The one rule for every capture path: a stage in use, and forward only (recycling is explicit)."""
    new = values.lead.get("lifecycle_stage")
    if new is None:
        return
    stage = ladder.get(new)
    if stage is None or stage.retired:
        raise ValidationError({"lifecycle_stage": "Unknown stage; one of: " + ", ".join(s.key for s in ladder.active)})
    if current is not None and ladder.rank(new) < ladder.rank(current):
        raise ValidationError({"lifecycle_stage": f"Stage moves forward only (now {current}); recycle with a reason instead"})


def event_kind(field: str, default: str = "updated") -> str:
    """The timeline kind a field change is recorded under."""
    return _OWN_KIND.get(field) or ("owner_changed" if field in _OWNER_FIELDS else default)


def apply_values(
    session: Session,
    lead: Lead,
    values: LeadInput,
    *,
    reason: str,
    actor: User | None = None,
    record: bool = True,
) -> dict[str, list[Any]]:
    """Set the given fields on an existing lead; record one event per kind of change.

    Returns the changes as ``{field: [old, new]}``; custom fields are merged.
    """
    if "lifecycle_stage" in values.lead:
        check_stage_forward(load_ladder(session), lead.lifecycle_stage, values)
    if values.lead.get("lead_status") is not None:
        check_status(values.lead["lead_status"], active_status_keys(session))
    owner = resolve_owner(session, values)
    changes: dict[str, list[Any]] = {}

    def set_field(name: str, new: Any) -> None:
        old = getattr(lead, name)
        if old != new:
            changes[name] = [jsonable(old), jsonable(new)]
            setattr(lead, name, new)

    for name, new in values.lead.items():
        if name == "custom_fields":
            new = {**(lead.custom_fields or {}), **(new or {})}
        set_field(name, new)
    if values.owner_given:
        set_field("owner_user_id", owner.id if owner else None)
    if values.lead.get("country") and not lead.timezone:
        set_field("timezone", guess_timezone(values.lead["country"]))

    domain = company_domain_for(values, lead.email)
    if domain and (values.company or lead.company_id is None or "email" in changes):
        company = company_for_domain(session, domain, {**values.company, "country": lead.country})
        if company.id is None:
            session.flush()
        set_field("company_id", company.id)

    if record:
        _record_changes(session, lead, changes, reason=reason, actor=actor)
    return changes


def _record_changes(
    session: Session, lead: Lead, changes: dict[str, list[Any]], *, reason: str, actor: User | None
) -> None:
    grouped: dict[str, dict[str, list[Any]]] = {}
    for name, change in changes.items():
        grouped.setdefault(event_kind(name), {})[name] = change
    for kind, data in grouped.items():
        record_event(session, lead, kind, reason, data, actor)
