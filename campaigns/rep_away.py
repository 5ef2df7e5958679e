"""What happens to a rep's work while they are away, chosen when they are marked away (admin or the rep):

- ``keep``: nothing (the default);
- ``pause``: the live cadences of their leads pause until the day they are back, then resume by themselves
  (campaigns/pauses.py); marking the rep available earlier resumes them at once;
- ``reassign``: their leads and open tasks go to another rep, or by the routing rules
  (nurture/users/reassign.py); the cadences continue under the new owner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.live import live_cadences
from campaigns.models import EnrollmentState
from campaigns.pauses import pause_leads, resume_early
from nurture.errors import ValidationError
from nurture.models import Lead, Role, User
from nurture.users.reassign import reassign_leads

CHOICES = ("keep", "pause", "reassign")


def _away_reason(rep: User) -> str:
    return f"{rep.email} is away"


def _target(session: Session, rep: User, raw: str) -> User | None:
    """The rep to reassign to ("" or "routing": by the routing rules)."""
    if raw in ("", "routing"):
        return None
    target = session.get(User, int(raw)) if raw.isdigit() else None
    if target is None or target.role != Role.REP or not target.active or target.id == rep.id:
        raise ValidationError({"reassign_to": "Another active rep, or the routing rules"})
    return target


def _leads(session: Session, rep: User) -> list[Lead]:
    return list(session.scalars(select(Lead).where(Lead.owner_user_id == rep.id)))


def apply_away(session: Session, rep: User, choice: str, reassign_to: str, *, actor: User, now: datetime) -> str:
    """Apply ``choice`` for a rep just marked away (``rep.away_until`` already set); returns what was done, in words."""
    if choice not in CHOICES:
        raise ValidationError({"while_away": "One of: " + ", ".join(CHOICES)})
    if choice == "pause":
        if rep.away_until is None:
            raise ValidationError({"away_until": "Give the day you are back: cadences resume then"})
        count = pause_leads(session, _leads(session, rep), rep.away_until, _away_reason(rep), now)
        return f"{count} cadence enrollment(s) paused until {rep.away_until:%Y-%m-%d}"
    if choice == "reassign":
        target = _target(session, rep, reassign_to)
        done = reassign_leads(session, rep, target, actor=actor, now=now, why=_away_reason(rep))
        unrouted = f"; {len(done.unrouted)} stayed (no rep available)" if done.unrouted else ""
        return f"{len(done.moved)} lead(s) and {done.tasks} open task(s) reassigned{unrouted}"
    return ""


def back_early(session: Session, rep: User, now: datetime) -> int:
    """The rep is available again before their date: the cadences paused for their absence resume now."""
    leads = {lead.id: lead for lead in _leads(session, rep)}
    return sum(
        resume_early(session, enrollment, leads[enrollment.lead_id], f"{rep.email} is back: the cadence continues", now)
        for enrollment in live_cadences(session, list(leads))
        if enrollment.state == EnrollmentState.PAUSED and enrollment.pause_reason == _away_reason(rep)
    )
