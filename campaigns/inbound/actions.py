"""What inbound mail does to leads: bounces suppress, replies score and end sequences, out-of-office is noted.

hard bounce  → the address is suppressed everywhere, live enrollments exit, a timeline event.
soft bounce  → counted; the address is suppressed after ``soft_bounce_limit`` within the window.
human reply  → an engagement event that scores, a ``replied`` timeline event, and enrollments
               whose sequence has a "replied" goal exit with the reason "replied".
               Cadences stop on any reply (campaigns/stops.py), and a company's on a colleague's when they ask.
out of office→ a timeline event carrying the return date; the lead's cadences pause until then
               (or NURTURE_OOO_PAUSE_DAYS) and resume by themselves (campaigns/pauses.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.enrollments import LIVE, exit_live_enrollments, finish
from campaigns.inbound.matching import Match
from campaigns.models import Enrollment, EnrollmentState
from campaigns.pauses import out_of_office as pause_out_of_office
from campaigns.stops import reply_stops
from campaigns.versions import definition_of
from nurture.config import Settings
from nurture.leads.timeline import record_event
from nurture.mail.inbound.classify import Classification
from nurture.mail.inbound.dsn import FailedRecipient
from nurture.mail.inbound.quoting import excerpt
from nurture.mail.suppression import suppress
from nurture.models import EmailEvent, InboundKind, InboundMessage, Lead

REPLIED = "replied"


def _leads_at(session: Session, address: str, match: Match) -> list[Lead]:
    leads = list(session.scalars(select(Lead).where(Lead.email == address)))
    if match.lead is not None and match.send is not None and match.send.rcpt_to == address and match.lead not in leads:
        leads.append(match.lead)
    return leads


def _bounce_event(session: Session, lead: Lead, inbound: InboundMessage, recipient: FailedRecipient, match: Match, now: datetime) -> None:
    send_id = match.send.id if match.send is not None and match.send.lead_id == lead.id else None
    session.add(
        EmailEvent(send_id=send_id, lead_id=lead.id, kind="bounce" if recipient.permanent else "soft_bounce", occurred_at=now,
                   data={"status": recipient.status, "permanent": recipient.permanent, "inbound_message_id": inbound.id})
    )  # fmt: skip


def hard_bounce(session: Session, inbound: InboundMessage, recipient: FailedRecipient, match: Match, now: datetime) -> list[str]:
    detail = f"{recipient.status or ''} {recipient.diagnostic}".strip()
    done = [f"suppressed {recipient.address}"] if suppress(session, recipient.address, "hard_bounce", detail) else []
    for lead in _leads_at(session, recipient.address, match):
        _bounce_event(session, lead, inbound, recipient, match, now)
        record_event(session, lead, "bounced", f"Hard bounce {detail}"[:500],
                     {"email": recipient.address, "status": recipient.status, "inbound_message_id": inbound.id})  # fmt: skip
        exited = exit_live_enrollments(session, lead, f"Hard bounce: {recipient.status or 'permanent failure'}", now)
        done.append(f"lead {lead.id}: bounced, {exited} enrollment(s) exited")
    return done


def soft_bounce(
    session: Session, settings: Settings, inbound: InboundMessage, recipient: FailedRecipient, match: Match, now: datetime
) -> list[str]:
    since = now - timedelta(days=settings.soft_bounce_window_days)
    session.flush()  # this message counts too
    count = session.scalar(
        select(func.count(InboundMessage.id)).where(
            InboundMessage.address == recipient.address,
            InboundMessage.kind == InboundKind.SOFT_BOUNCE,
            InboundMessage.received_at >= since,
        )
    ) or 0
    limit = settings.soft_bounce_limit
    window = f"{settings.soft_bounce_window_days:g} days"
    over = limit > 0 and count >= limit
    detail = f"{recipient.status or ''} {recipient.diagnostic}".strip()
    done = [f"soft bounce {count} of {limit} for {recipient.address}"]
    if over and suppress(session, recipient.address, "soft_bounces", f"{count} soft bounces in {window}: {detail}"):
        done.append(f"suppressed {recipient.address}")
    for lead in _leads_at(session, recipient.address, match):
        _bounce_event(session, lead, inbound, recipient, match, now)
        record_event(session, lead, "soft_bounced", f"Soft bounce {detail} ({count} of {limit} in {window})"[:500],
                     {"email": recipient.address, "status": recipient.status, "count": count, "inbound_message_id": inbound.id})  # fmt: skip
        if over:
            exited = exit_live_enrollments(session, lead, f"{count} soft bounces in {window}", now)
            done.append(f"lead {lead.id}: {exited} enrollment(s) exited")
    return done


def _stops_on_reply(session: Session, enrollment: Enrollment, cache: dict[int, bool]) -> bool:
    if enrollment.version_id not in cache:
        cache[enrollment.version_id] = any(goal.type == "replied" for goal in definition_of(session, enrollment.version_id).goals)
    return cache[enrollment.version_id]


def human_reply(session: Session, inbound: InboundMessage, classification: Classification, match: Match, now: datetime) -> list[str]:
    lead = match.lead
    if lead is None:  # not a lead of ours; still someone at a lead's company, maybe
        return reply_stops(session, None, classification.sender, now)
    send = match.send
    replied_to = session.get(Enrollment, send.enrollment_id) if send is not None else None
    # What cadences will need to stop on any reply: which message, enrollment and sequence it answers.
    data = {
        "inbound_message_id": inbound.id,
        "message_id": inbound.message_id,
        "matched_by": match.how,
        "enrollment_id": send.enrollment_id if send is not None else None,
        "sequence_id": replied_to.sequence_id if replied_to is not None else None,
        "step_id": send.step_id if send is not None else None,
    }
    session.add(EmailEvent(send_id=send.id if send is not None else None, lead_id=lead.id, kind="reply", occurred_at=now, data=data))
    text = excerpt(classification.body)
    record_event(session, lead, REPLIED, f"Replied: {text}" if text else "Replied", {**data, "excerpt": text})
    done = [f"lead {lead.id}: reply recorded"]
    cache: dict[int, bool] = {}
    live = session.scalars(select(Enrollment).where(Enrollment.lead_id == lead.id, Enrollment.state.in_(LIVE))).all()
    for enrollment in live:
        if _stops_on_reply(session, enrollment, cache):
            finish(session, enrollment, lead, EnrollmentState.EXITED, REPLIED, now)
            done.append(f"enrollment {enrollment.id} exited (replied)")
    return done + reply_stops(session, lead, classification.sender, now)


def out_of_office(
    session: Session, settings: Settings, inbound: InboundMessage, classification: Classification, match: Match, now: datetime
) -> list[str]:
    lead = match.lead
    if lead is None:
        return []
    back = classification.return_on
    record_event(
        session, lead, "out_of_office", f"Out of office, back on {back.isoformat()}" if back else "Out of office",
        {"return_on": back.isoformat() if back else None, "inbound_message_id": inbound.id,
         "send_id": match.send.id if match.send is not None else None},
    )  # fmt: skip
    paused = pause_out_of_office(session, lead, back, settings.ooo_pause_days, now)
    return [f"lead {lead.id}: out of office noted, {paused} cadence(s) paused"]


def act(
    session: Session, settings: Settings, inbound: InboundMessage, classification: Classification, match: Match, now: datetime
) -> list[str]:
    """Apply what the message means; returns what was done, in words (kept on the inbound row)."""
    report = classification.report
    if report is not None:
        done: list[str] = []
        for recipient in report.hard:
            done += hard_bounce(session, inbound, recipient, match, now)
        for recipient in report.soft:
            done += soft_bounce(session, settings, inbound, recipient, match, now)
        return done
    if classification.kind == InboundKind.HUMAN_REPLY:
        return human_reply(session, inbound, classification, match, now)
    if classification.kind == InboundKind.OUT_OF_OFFICE:
        return out_of_office(session, settings, inbound, classification, match, now)
    return []
