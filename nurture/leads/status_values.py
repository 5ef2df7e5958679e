"""The lead status values in force: what ``leads.lead_status`` may hold (data an admin edits).

Validation of input is pure (a key's shape); whether the key is one of the
team's active values needs the database, so the services that set a status
check it here, once per request or import chunk.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.keys import typed_key
from nurture.models import LeadStatusValue

KEY_RULE = "Lower-case letters, digits and _, starting with a letter (at most 32)"


def status_key(value: object) -> tuple[str | None, str | None]:
    """Normalize typed input to a key ("Bad timing" → bad_timing); the key's shape only."""
    key = typed_key(value)
    return (key, None) if key is not None else (None, "Unknown value; " + KEY_RULE.lower())


def status_values(session: Session, *, include_retired: bool = False) -> list[LeadStatusValue]:
    query = select(LeadStatusValue).order_by(LeadStatusValue.position, LeadStatusValue.id)
    if not include_retired:
        query = query.where(LeadStatusValue.retired_at.is_(None))
    return list(session.scalars(query))


def active_status_keys(session: Session) -> list[str]:
    return [value.key for value in status_values(session)]


def check_status(status: str | None, known: Collection[str]) -> None:
    """Raise a per-field error unless ``status`` (when given) is an active value."""
    if status is not None and status not in known:
        raise ValidationError({"lead_status": "Unknown value; one of: " + ", ".join(known)})


def status_labels(session: Session) -> dict[str, str]:
    """Every key's label, retired ones too (old leads and the timeline still name them)."""
    return {value.key: value.label for value in status_values(session, include_retired=True)}


class StatusChoice(str):
    """A status key that carries its label: a select shows the label and posts the key."""

    label: str

    def __new__(cls, key: str, label: str) -> StatusChoice:
        choice = super().__new__(cls, key)
        choice.label = label
        return choice

    @property
    def value(self) -> str:
        return str(self)


def status_choices(session: Session) -> list[StatusChoice]:
    return [StatusChoice(value.key, value.label) for value in status_values(session)]
