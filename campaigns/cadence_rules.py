"""Who may be enrolled in a cadence, and by whom: the rules on top of a sequence's own (enrollments.refusal).

- A rep enrolls only their own leads and unowned ones; a lead owned by another rep is refused (admins
  and the system may).
- A lead is in at most one live exclusive cadence: a cadence is exclusive unless its definition sets
  ``"exclusive": false`` (campaigns/cadence_options.py), and a non-exclusive one runs beside any other.
Unsubscribed, bounced and suppressed addresses are refused for every sequence (enrollments.refusal).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.live import live_cadences
from campaigns.models import Sequence, SequenceKind
from campaigns.versions import definition_of
from nurture.models import Lead, Role, User


def owner_refusal(lead: Lead, actor: User | None) -> str | None:
    if actor is None or actor.role != Role.REP or lead.owner_user_id in (None, actor.id):
        return None
    owner = lead.owner.email if lead.owner is not None else f"user {lead.owner_user_id}"
    return f"Owned by another rep ({owner})"


def _exclusive(session: Session, version_id: int) -> bool:
    return definition_of(session, version_id).cadence.exclusive


def exclusive_refusal(session: Session, sequence: Sequence, lead: Lead) -> str | None:
    if sequence.kind != SequenceKind.CADENCE or sequence.current_version_id is None:
        return None
    if not _exclusive(session, sequence.current_version_id):
        return None
    if session.get_bind().dialect.name == "postgresql":
        # Two enrollments of one lead at once (a bulk run and a handoff) take turns on the lead's row.
        session.execute(select(Lead.id).where(Lead.id == lead.id).with_for_update())
    for enrollment in live_cadences(session, [lead.id]):
        if enrollment.sequence_id != sequence.id and _exclusive(session, enrollment.version_id):
            other = session.get(Sequence, enrollment.sequence_id)
            return f"Already in the cadence '{other.name if other else enrollment.sequence_id}' (one cadence at a time)"
    return None


def cadence_refusal(session: Session, sequence: Sequence, lead: Lead, actor: User | None) -> str | None:
    """Why ``actor`` (None: the system) may not enroll ``lead`` in ``sequence`` by these rules, or None."""
    return owner_refusal(lead, actor) or exclusive_refusal(session, sequence, lead)
