"""Writing one chunk of validated import rows with a handful of queries, whatever its size.

The rules are those of ``changes.apply_values`` (owner must be an active user,
stage moves forward only, timezone guessed from the country, company by domain,
custom fields merged, the first source kept) applied to plain dicts, so a
chunk of 1,000 rows costs one lookup per table and one bulk write per table
instead of a few queries per row.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.changes import check_stage_forward, event_kind
from nurture.leads.geography import guess_timezone
from nurture.leads.status_values import active_status_keys, check_status
from nurture.leads.timeline import jsonable
from nurture.leads.validation import (
    ENUM_FIELDS,
    KEY_FIELDS,
    LEAD_TEXT_FIELDS,
    STAGE_FIELD,
    LeadInput,
    company_domain_for,
)
from nurture.models import Company, Lead, LeadEvent, LeadSource, LifecycleStage, Role, User
from nurture.models.enums import LeadStatus, OwnerTeam
from nurture.stages.ladder import load_ladder
from nurture.webhooks.emit import emit_many

EVENT_KIND = "imported"
# The lead columns an import can set; a new lead's other columns keep their model defaults.
LEAD_COLUMNS = (
    *LEAD_TEXT_FIELDS, *ENUM_FIELDS, STAGE_FIELD, *KEY_FIELDS, "phone", "country", "timezone", "consent_at", "custom_fields",
    "company_id", "owner_user_id",
)  # fmt: skip
_OWNER_ROLES = (Role.REP, Role.ADMIN, Role.MARKETER)

_leads = Lead.__table__
_companies = Company.__table__
_events = LeadEvent.__table__


@dataclass
class ChunkOutcome:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[Hashable, dict[str, str]]] = field(default_factory=list)


@dataclass
class _Context:
    existing: dict[str, dict[str, Any]]  # email → the stored lead's columns
    owners: dict[str, Any]  # owner email → user row
    company_ids: dict[str, int]  # domain → company id


def write_chunk(
    session: Session,
    rows: Sequence[tuple[Hashable, LeadInput]],
    *,
    source: LeadSource,
    reason: str,
    actor_id: int | None,
    now: datetime,
) -> ChunkOutcome:
    """Create or update the leads of ``rows`` (in order) and their timeline events; commit is the caller's.

    ``rows`` pairs a key (the caller's row) with its validated values; rows
    failing a rule that needs the database come back in ``rejected``. Values
    are never modified, so a chunk can be retried after a rollback.
    """
    emails = {values.email for _key, values in rows}
    existing = {
        row.email: dict(row._mapping) for row in session.execute(select(_leads).where(_leads.c.email.in_(emails)))
    }
    owner_emails = {values.owner_email for _key, values in rows if values.owner_email}
    owners = {}
    if owner_emails:
        users = select(User.id, User.email, User.active, User.role).where(User.email.in_(owner_emails))
        owners = {user.email: user for user in session.execute(users)}
    domains = [company_domain_for(values, values.email or "") for _key, values in rows]  # computed once: not cheap
    ladder = load_ladder(session)
    context = _Context(existing, owners, _company_ids(session, rows, domains, existing, now))
    statuses = active_status_keys(session) if any("lead_status" in values.lead for _key, values in rows) else []

    outcome = ChunkOutcome()
    leads: dict[str, dict[str, Any]] = {}  # email → columns as they will be written
    created: list[str] = []
    changed: dict[str, set[str]] = {}  # stored leads → the columns to update
    events: list[tuple[str, str, dict[str, Any]]] = []
    for (key, values), domain in zip(rows, domains, strict=True):
        email = values.email or ""
        lead = leads.get(email) or (dict(existing[email]) if email in existing else None)
        try:
            owner_id = _owner_id(values, context)
            check_status(values.lead.get("lead_status"), statuses)
            if STAGE_FIELD in values.lead:
                check_stage_forward(ladder, lead["lifecycle_stage"] if lead is not None else None, values)
        except ValidationError as exc:
            outcome.rejected.append((key, exc.errors))
            continue
        if lead is None:
            lead = leads[email] = _new_lead(email, source, now)
            created.append(email)
            changes = _apply(lead, values, domain, owner_id, context, keep_source=False)
            initial = {name: new for name, (_old, new) in changes.items() if new is not None}
            events.append((email, EVENT_KIND, {"email": email, "source": jsonable(lead["source"]), **initial}))
            outcome.created += 1
            continue
        leads[email] = lead
        changes = _apply(lead, values, domain, owner_id, context, keep_source=True)
        if STAGE_FIELD in changes:
            lead["stage_entered_at"] = now
        if email in existing:
            changed.setdefault(email, set()).update([*changes, *(["stage_entered_at"] if STAGE_FIELD in changes else [])])
        events.extend((email, kind, data) for kind, data in _group(changes).items())
        outcome.updated += 1

    ids = {email: existing[email]["id"] for email in existing}
    if created:
        # A plain executemany then a lookup: on PostgreSQL, 4x faster than INSERT … RETURNING of the same rows.
        session.execute(
            insert(_leads), [{"email": email, **{c: leads[email][c] for c in _NEW_KEYS}} for email in created]
        )
        ids.update(_ids_of(session, _leads.c.email, created, _leads.c.id))
    updates = [
        {"id": ids[email], "updated_at": now, **{column: leads[email][column] for column in columns}}
        for email, columns in changed.items()
        if columns
    ]
    if updates:
        session.execute(update(Lead), updates)  # ORM bulk UPDATE by primary key, grouped by the columns set
    if events:
        session.execute(
            insert(_events),
            [{"lead_id": ids[email], "kind": kind, "reason": reason[:500], "data": data, "actor_user_id": actor_id,
              "created_at": now} for email, kind, data in events],
        )  # fmt: skip
    emit_many(session, "lead.created", [ids[email] for email in created], now)
    return outcome


_NEW_KEYS = (*LEAD_COLUMNS, "stage_entered_at", "created_at", "updated_at")


def _new_lead(email: str, source: LeadSource, now: datetime) -> dict[str, Any]:
    lead: dict[str, Any] = dict.fromkeys(LEAD_COLUMNS)
    lead.update(email=email, source=source, owner_team=OwnerTeam.MARKETING, lifecycle_stage=LifecycleStage.LEAD,
                lead_status=LeadStatus.NEW, custom_fields={}, stage_entered_at=now, created_at=now, updated_at=now)  # fmt: skip
    return lead


def _apply(
    lead: dict[str, Any],
    values: LeadInput,
    domain: str | None,
    owner_id: int | None,
    context: _Context,
    *,
    keep_source: bool,
) -> dict[str, list[Any]]:
    """Set the given fields on ``lead``; return the changes as ``{field: [old, new]}``."""
    changes: dict[str, list[Any]] = {}

    def put(name: str, new: Any) -> None:
        old = lead[name]
        if old != new:
            changes[name] = [jsonable(old), jsonable(new)]
            lead[name] = new

    for name, new in values.lead.items():
        if name == "email" or (name == "source" and keep_source):  # the first source is the one that counts
            continue
        put(name, {**(lead["custom_fields"] or {}), **new} if name == "custom_fields" else new)
    if values.owner_given:
        put("owner_user_id", owner_id)
    if values.lead.get("country") and not lead["timezone"]:
        put("timezone", guess_timezone(values.lead["country"]))
    if domain in context.company_ids and (values.company or lead["company_id"] is None):
        put("company_id", context.company_ids[domain])
    return changes


def _group(changes: dict[str, list[Any]]) -> dict[str, dict[str, list[Any]]]:
    """One "imported" event (even when nothing changed: the file named the lead), plus stage/status/owner kinds."""
    grouped: dict[str, dict[str, list[Any]]] = {EVENT_KIND: {}}
    for name, change in changes.items():
        grouped.setdefault(event_kind(name, EVENT_KIND), {})[name] = change
    return grouped


def _owner_id(values: LeadInput, context: _Context) -> int | None:
    if not values.owner_email:
        return None
    user = context.owners.get(values.owner_email)
    if user is None or not user.active:
        raise ValidationError({"owner_email": "No active user with this identity"})
    if user.role not in _OWNER_ROLES:
        raise ValidationError({"owner_email": "This user cannot own leads"})
    return user.id


def _company_ids(
    session: Session,
    rows: Sequence[tuple[Hashable, LeadInput]],
    domains: list[str | None],
    existing: dict[str, dict[str, Any]],
    now: datetime,
) -> dict[str, int]:
    """Company ids by domain for the rows that set one: one lookup, one bulk insert, one bulk update.

    As in changes.py, a stored lead that has a company keeps it unless the row gives company details.
    """
    wanted: dict[str, dict[str, Any]] = {}
    for (_key, values), domain in zip(rows, domains, strict=True):
        stored = existing.get(values.email or "")
        if stored is not None and stored["company_id"] is not None and not values.company:
            continue
        if domain is None:
            continue
        details = wanted.setdefault(domain, {})
        details.update(values.company)
        country = values.lead.get("country") or (stored or {}).get("country")
        if country:
            details.setdefault("country", country)
    if not wanted:
        return {}
    found = {row.domain: row for row in session.execute(select(_companies).where(_companies.c.domain.in_(wanted)))}
    ids = {domain: row.id for domain, row in found.items()}
    missing = [
        {"domain": domain, "name": d.get("company") or domain, "website": d.get("website"), "industry": d.get("industry"),
         "size": d.get("company_size"), "country": d.get("country"), "timezone": guess_timezone(d.get("country")),
         "created_at": now}
        for domain, d in wanted.items() if domain not in found
    ]  # fmt: skip
    if missing:
        session.execute(insert(_companies), missing)
        ids.update(_ids_of(session, _companies.c.domain, [row["domain"] for row in missing], _companies.c.id))
    updates = [change for domain, row in found.items() if (change := _company_changes(row, wanted[domain]))]
    if updates:
        session.execute(update(Company), updates)
    return ids


def _ids_of(session: Session, key: Any, values: list[str], id_column: Any) -> list[tuple[str, int]]:
    return [(k, i) for k, i in session.execute(select(key, id_column).where(key.in_(values)))]


def _company_changes(row: Any, details: dict[str, Any]) -> dict[str, Any] | None:
    """Like companies.company_for_domain: given details overwrite, country only fills a blank."""
    change: dict[str, Any] = {}
    for key, column in (
        ("company", "name"),
        ("website", "website"),
        ("industry", "industry"),
        ("company_size", "size"),
    ):
        if details.get(key) is not None and getattr(row, column) != details[key]:
            change[column] = details[key]
    if details.get("country") and not row.country:
        change["country"] = details["country"]
        if not row.timezone:
            change["timezone"] = guess_timezone(details["country"])
    return {"id": row.id, **change} if change else None
