"""Sending email steps exactly once, through the ledger.

pending ──claim (one conditional UPDATE that also checks the suppression list)──► sending
  (committed before the message's content: with PIPELINING, its MAIL, RCPT and DATA went ahead
  with the message before, else MAIL+RCPT+DATA go in one round trip; a refused recipient settles
  the claimed row)
sending ──250──► sent · 5xx──► bounced (address suppressed) · 4xx / connection──► deferred (backoff)
sending, lease expired ──► unknown: maybe delivered (RFC 1047), surfaced, never resent.
pending, under a reservation the database server may have lost claims of (PostgreSQL, ledger.py) ──► unknown.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.identity import SenderIdentity, identity_for, mailboxes_of
from campaigns.ledger import RESERVE_AHEAD, LedgerWriter, doubtful_send_ids
from campaigns.mailbox_cap import MailboxCap, released_at
from campaigns.messages import build_envelope, choose_variant, message_id_for, sender_for
from campaigns.models import Enrollment, EnrollmentState, Send, SendState
from campaigns.ratelimit import RateLimiter, Unlimited
from campaigns.steps import EmailStep, SequenceDefinition
from campaigns.threading import ThreadRef, first_emails
from nurture.config import Settings
from nurture.db.base import utcnow
from nurture.db.bulk import insert_many, one_of
from nurture.mail.suppression import suppress
from nurture.mail.tokens import TokenSigner
from nurture.mail.topics import opted_out_topics
from nurture.mail.transport import Envelope, Transport
from nurture.models import EmailEvent, Lead, Suppression, User
from nurture.webhooks.emit import emit


@dataclass(frozen=True)
class Outcome:
    """What the step loop does next: advance, wait until a time, or exit with a reason."""

    action: str  # advance, wait, exit, left
    until: datetime | None = None
    reason: str = ""


ADVANCE = Outcome("advance")
BUILD_AHEAD_BYTES = 8 << 20  # messages built ahead of their sends (build_ahead): a whole default batch, unless large
LEFT = Outcome("left")  # stopped or paused meanwhile: not the batch's to move (run_claim leaves it out)


@dataclass
class DueEmail:
    enrollment: Enrollment
    lead: Lead
    definition: SequenceDefinition
    step: EmailStep
    marketing: bool
    send: LedgerRow | None = None
    identity: SenderIdentity | None = None  # cadences: the lead owner's mailbox
    thread: ThreadRef | None = None  # a threaded follow-up: the first email it replies to


@dataclass(frozen=True)
class LedgerRow:
    """A send's ledger row as the batch reads it: plain values, no ORM identity to track."""

    id: int
    enrollment_id: int
    variant: str | None
    rcpt_to: str
    state: SendState
    attempts: int
    lease_until: datetime | None
    next_attempt_at: datetime | None
    smtp_code: int | None
    last_error: str | None


SENDS = Send.__table__
_LEDGER_COLUMNS = [SENDS.c[name] for name in LedgerRow.__dataclass_fields__]
_RETURNED = [SENDS.c.version_id, SENDS.c.step_id, *_LEDGER_COLUMNS]


def _ledger_rows(session: Session, due: list[DueEmail]) -> dict[tuple[int, int, str], LedgerRow]:
    """The rows of these due emails' enrollments and steps, keyed (enrollment, version, step)."""
    query = select(SENDS.c.version_id, SENDS.c.step_id, *_LEDGER_COLUMNS).where(
        one_of(session, SENDS.c.enrollment_id, [d.enrollment.id for d in due]),
        SENDS.c.step_id.in_({d.step.id for d in due}),
    )
    return _keyed(session.execute(query))


def _keyed(rows: Iterable[Sequence[Any]]) -> dict[tuple[int, int, str], LedgerRow]:
    """Ledger rows read as (version_id, step_id, *LedgerRow fields), keyed (enrollment, version, step)."""
    found: dict[tuple[int, int, str], LedgerRow] = {}
    for version_id, step_id, *values in rows:
        row = LedgerRow(*values)
        found[(row.enrollment_id, version_id, step_id)] = row
    return found


def ensure_sends(session: Session, due: list[DueEmail]) -> None:
    """Find or create the ledger row of each due email, and commit: one INSERT … RETURNING creates
    the missing rows (a batch's first attempt: every row), one select finds the others (a retry)."""
    keys = [(d.enrollment.id, d.enrollment.version_id, d.step.id) for d in due]
    rows = [
        {"enrollment_id": d.enrollment.id, "version_id": d.enrollment.version_id, "step_id": d.step.id,
         "variant": choose_variant(d.step, d.enrollment.id).id, "lead_id": d.lead.id, "rcpt_to": d.lead.email,
         "state": SendState.PENDING, "attempts": 0, "created_at": utcnow()}
        for d in due
    ]  # fmt: skip
    # A row that exists already (a retry, or a duplicated job's insert) is left as it is, and not returned.
    found = _keyed(insert_many(session, SENDS, rows, skip_duplicates=True, returning=_RETURNED))
    existing = [d for d, key in zip(due, keys, strict=True) if key not in found]
    if existing:
        found.update(_ledger_rows(session, existing))
    for d, key in zip(due, keys, strict=True):
        d.send = found[key]
    session.commit()  # no transaction (nor SQLite's writer lock) is held across the network below


@dataclass
class FrequencyCap:
    """Marketing emails per lead in any 24 hours, counting what this batch sends too."""

    per_day: int
    recent: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, session: Session, per_day: int, lead_ids: list[int], now: datetime) -> FrequencyCap:
        cap = cls(per_day)
        if per_day > 0 and lead_ids:
            for lead_id, sent_at in session.execute(
                select(Send.lead_id, Send.sent_at).where(
                    one_of(session, Send.lead_id, lead_ids),
                    Send.state == SendState.SENT,
                    Send.sent_at > now - timedelta(days=1),
                )
            ):
                cap.recent[lead_id].append(sent_at)
        return cap

    def blocked_until(self, lead_id: int, *, one_more_at: datetime | None = None) -> datetime | None:
        """``one_more_at``: as if one more email were sent then (the one about to go)."""
        times = self.recent[lead_id] if one_more_at is None else [*self.recent[lead_id], one_more_at]
        return released_at(times, self.per_day)

    def count(self, lead_id: int, sent_at: datetime) -> None:
        self.recent[lead_id].append(sent_at)


def _sender(due: DueEmail) -> str | None:
    """The mailbox a cadence email goes from (its daily cap applies); None for a sequence's sender."""
    return due.identity.email if due.identity is not None else None


class BatchDelivery:
    """Delivers the due emails of one claimed batch over one transport."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        transport: Transport,
        signer: TokenSigner,
        now: datetime,
        limiter: RateLimiter | None = None,
    ):
        self.limiter = limiter or Unlimited()
        self.session = session
        self.settings = settings
        self.transport = transport
        self.signer = signer
        self.now = now
        self.ledger = LedgerWriter(session, settings, now)
        self.events: list[dict[str, object]] = []  # timeline rows, written by the caller with the enrollments
        self._owners: dict[int, User] = {}
        self._built: dict[int, Envelope] = {}  # send id → the message, built ahead (build_ahead)
        self._slots: dict[int, float] = {}  # send id → its rate limiter answer, taken ahead (_following)
        self._doubtful: set[int] = set()  # send ids a lost claim may have sent (ledger.doubtful_send_ids)
        self.mailbox_cap = MailboxCap({})

    def load_owners(self, due: list[DueEmail]) -> None:
        """Read before sending (owners, their mailboxes, threads, mailbox caps, doubtful reservations): the
        ledger writes on a connection of its own meanwhile, and on SQLite a session transaction left open
        by a lazy read would hold the writer lock."""
        ids = {d.lead.owner_user_id for d in due if d.lead.owner_user_id is not None}
        if ids:
            self._owners = {user.id: user for user in self.session.scalars(select(User).where(User.id.in_(ids)))}
        cadence = [d for d in due if not d.marketing]
        mailboxes = mailboxes_of(self.session, (d.lead.owner_user_id for d in cadence))
        threads = first_emails(self.session, (d.enrollment.id for d in cadence if d.step.thread))
        for d in cadence:
            d.identity = identity_for(d.definition, self.settings, mailboxes.get(d.lead.owner_user_id or 0))
            d.thread = threads.get(d.enrollment.id) if d.step.thread else None
        caps = {d.identity.email: d.identity.daily_cap for d in cadence if d.identity is not None}
        self.mailbox_cap = MailboxCap.load(self.session, caps, self.now)
        if self.ledger.reserves:
            self._doubtful = doubtful_send_ids(self.session, self.now)

    def _sendable(self, send: LedgerRow | None) -> TypeGuard[LedgerRow]:
        """A row this batch would hand to the transport: pending, or deferred and due again."""
        if send is None or send.state not in (SendState.PENDING, SendState.DEFERRED) or send.id in self._doubtful:
            return False
        return send.next_attempt_at is None or send.next_attempt_at <= self.now

    def _reserve_ahead(self, send_id: int) -> None:
        """Before the claim of a message no reservation covers yet: it and the messages built ahead to
        follow it, RESERVE_AHEAD in all, reserved in one durable commit (PostgreSQL; ledger.py)."""
        if not self.ledger.reserves or send_id in self.ledger.reserved:
            return
        built = list(self._built)  # the batch's order; sent ones are gone, and the group starts at this one
        following = built[built.index(send_id) + 1 :] if send_id in self._built else []
        self.ledger.reserve([send_id, *(i for i in following if i not in self.ledger.reserved)][:RESERVE_AHEAD])

    def prewrite_headers(self, due: list[DueEmail]) -> None:
        """Each row's Message-ID and sender, written for the whole batch before its first claim, where
        that saves the claims work (ledger.py)."""
        if not self.ledger.prewrites:
            return
        headers = []
        for d in due:
            if self._sendable(d.send):
                sender = sender_for(d.definition, self.settings, d.identity)[0]  # the envelope's, as build_envelope picks it
                headers.append((d.send.id, sender, message_id_for(d.send.id, self.settings)))
        self.ledger.prewrite(headers)

    def _event(self, lead: Lead, kind: str, reason: str, send_id: int) -> None:
        self.events.append(
            {"lead_id": lead.id, "kind": kind, "reason": reason[:500], "data": {"send_id": send_id}, "created_at": self.now}
        )

    def _envelope(self, due: DueEmail) -> Envelope:
        send, lead, step = due.send, due.lead, due.step
        assert send is not None
        built = self._built.pop(send.id, None)
        if built is not None:
            return built
        variant = next((v for v in step.variants if v.id == send.variant), step.variants[0])
        owner = self._owners.get(lead.owner_user_id or 0)
        return build_envelope(
            send, lead, owner, due.definition, step, variant, self.settings, self.signer, due.identity, due.thread
        )

    def build_ahead(self, upcoming: list[DueEmail]) -> list[DueEmail]:
        """Build the messages of the next due emails in one go, before sending them: the chunk of
        ``upcoming`` built (at least one email; up to BUILD_AHEAD_BYTES of messages held).

        Only bytes, no side effects. Built one by one between sends, a message cost a worker twice the
        CPU (0.17 against 0.09 ms, measured): every send's system calls and the other processes on the
        core left the caches cold. A message that fails to build is built again in its own turn,
        where the error belongs; one that is not sent after all (a wait) only cost its building.
        """
        self._built = {}
        held = 0
        for count, due in enumerate(upcoming):
            if held >= BUILD_AHEAD_BYTES:
                return upcoming[:count]
            send = due.send
            if not self._sendable(send):
                continue
            try:
                envelope = self._built[send.id] = self._envelope(due)
            except Exception:  # noqa: BLE001 - built again in its own turn (above)
                continue
            held += len(envelope.raw)
        return upcoming

    def deliver(self, due: DueEmail, cap: FrequencyCap, then: DueEmail | None = None) -> Outcome:
        """Send one due email (its message built ahead by ``build_ahead``, or now); ``then``, the
        batch's next one, lets the transport open that message's transaction early (SMTP: its MAIL
        and RCPT go with this message; its claim still comes before its DATA)."""
        send, lead, step = due.send, due.lead, due.step
        assert send is not None
        if send.state in (SendState.SENT, SendState.UNKNOWN):
            return ADVANCE
        if send.state == SendState.BOUNCED:
            return Outcome("exit", reason=f"Hard bounce: {send.last_error or send.smtp_code}")
        if send.state in (SendState.FAILED, SendState.SKIPPED):
            return Outcome("exit", reason=f"Email not delivered ({send.state.value}) {send.last_error or ''}".strip())
        if send.state == SendState.SENDING:
            if send.lease_until is not None and send.lease_until > self.now:
                return Outcome("wait", until=send.lease_until)
            self.ledger.settle(send.id, state=SendState.UNKNOWN, last_error="lease expired while sending: maybe delivered")
            self._event(lead, "email_unknown", f"Delivery of step '{step.id}' is unknown (worker lost mid-send)", send.id)
            return ADVANCE
        if send.id in self._doubtful:
            reason = "reserved before the database server restarted or a standby took over: maybe delivered"
            self.ledger.settle(send.id, state=SendState.UNKNOWN, last_error=reason)
            self._event(lead, "email_unknown", f"Delivery of step '{step.id}' is unknown (database server lost claims)", send.id)
            return ADVANCE
        if send.state == SendState.DEFERRED and send.next_attempt_at is not None and send.next_attempt_at > self.now:
            return Outcome("wait", until=send.next_attempt_at)
        if due.marketing and (blocked := cap.blocked_until(lead.id)) is not None:
            return Outcome("wait", until=blocked)
        sender = _sender(due)
        if sender is not None and (blocked := self.mailbox_cap.blocked_until(sender)) is not None:
            self.ledger.settle(send.id, state=SendState.DEFERRED, next_attempt_at=blocked, last_error="mailbox daily cap")
            return Outcome("wait", until=blocked)
        if (delay := self._rate_slot(send)) > 0:
            return Outcome("wait", until=self.now + timedelta(seconds=delay))

        self._reserve_ahead(send.id)
        envelope = self._envelope(due)
        # Committed with the claim: the sender counts towards its mailbox cap, the subject starts a thread.
        self.ledger.note(send.id, envelope.mail_from, envelope.subject, envelope.message_id)
        topic = due.definition.topic
        following = self._following(due, then, cap)
        delivery = self.transport.send(envelope, lambda: self.ledger.claim_and_commit(send.id, topic), following)
        if delivery.accepted:
            self.ledger.sent(send.id)
            self._event(lead, "email_sent", f"Sent '{envelope.subject}' (step '{step.id}')", send.id)
            cap.count(lead.id, self.now)
            if sender is not None:
                self.mailbox_cap.count(sender, self.now)
            return ADVANCE
        if delivery.ambiguous:  # written whole, never answered: maybe delivered (RFC 1047), so not resent
            self.ledger.settle(send.id, state=SendState.UNKNOWN, last_error=delivery.detail[:500])
            self._event(lead, "email_unknown", f"Delivery of step '{step.id}' is unknown ({delivery.detail})", send.id)
            return ADVANCE
        if delivery.detail == "not claimed":
            suppressed = self.session.scalar(select(Suppression.reason).where(Suppression.email == send.rcpt_to))
            self.session.commit()  # no session transaction stays open while the ledger writes
            if suppressed:
                self.ledger.settle(send.id, state=SendState.SKIPPED, last_error="address suppressed at send time")
                return Outcome("exit", reason="Address suppressed (checked at send time)")
            if topic and topic in opted_out_topics(self.session, send.rcpt_to):
                self.session.commit()
                self.ledger.settle(send.id, state=SendState.SKIPPED, last_error=f"opted out of '{topic}' at send time")
                return Outcome("exit", reason=f"Opted out of '{topic}' emails (checked at send time)")
            if (held := self._held_back(send)) is not None:
                return held
            return Outcome("wait", until=self.now + timedelta(seconds=self.settings.send_lease_seconds))
        if delivery.permanent_failure:
            self.ledger.settle(send.id, state=SendState.BOUNCED, smtp_code=delivery.code, last_error=delivery.detail[:500])
            suppress(self.session, send.rcpt_to, "hard_bounce", f"{delivery.code} {delivery.detail}")
            self.session.add(EmailEvent(send_id=send.id, lead_id=lead.id, kind="bounce", data={"code": delivery.code}, occurred_at=self.now))
            self._event(lead, "bounced", f"Hard bounce {delivery.code}: {delivery.detail}", send.id)
            emit(self.session, "lead.bounced", lead, self.now)  # webhook outbox row, committed with the bounce
            self.session.commit()  # no session transaction stays open while the ledger writes
            return Outcome("exit", reason=f"Hard bounce: {delivery.code}")
        return self._defer(send, delivery.code, delivery.detail)

    def _rate_slot(self, send: LedgerRow) -> float:
        """The rate limiter's answer for this message (0: go; else seconds to wait), taken now or
        already by ``_following``."""
        taken = self._slots.pop(send.id, None)
        return taken if taken is not None else self._acquire(send)

    def _acquire(self, send: LedgerRow) -> float:
        return self.limiter.acquire(send.rcpt_to.rsplit("@", 1)[-1], time.time())

    def _following(self, due: DueEmail, then: DueEmail | None, cap: FrequencyCap) -> Envelope | None:
        """``then``'s message when it will be sent right after ``due`` unless its claim is lost: the
        transport opens its transaction ahead (SMTP: MAIL, RCPT and DATA with this message), and one
        opened but not sent next is aborted by closing the connection. So ``then`` must pass now the
        checks its own turn makes, whatever becomes of ``due``: not its lead or mailbox when a cap
        could count ``due`` (as if it were sent), and a rate-limit slot, taken here for its turn."""
        built = self._built.get(then.send.id) if then is not None and self._sendable(then.send) else None
        if then is None or then.send is None or built is None:
            return None
        counted = self.now if due.marketing and due.lead.id == then.lead.id else None
        if then.marketing and cap.blocked_until(then.lead.id, one_more_at=counted) is not None:
            return None
        sender = _sender(then)
        counted = self.now if sender == _sender(due) else None
        if sender is not None and self.mailbox_cap.blocked_until(sender, one_more_at=counted) is not None:
            return None
        slot = self._slots[then.send.id] = self._acquire(then.send)
        return built if slot == 0 else None

    def _held_back(self, send: LedgerRow) -> Outcome | None:
        """The enrollment stopped or paused after the batch claimed it (a reply, out of office …): its
        new state is the truth, so the batch leaves it alone (LEFT). An ended one's email is skipped;
        a paused one's stays pending for when it wakes."""
        state = self.session.scalar(select(Enrollment.state).where(Enrollment.id == send.enrollment_id))
        self.session.commit()  # no session transaction stays open while the ledger writes
        if state == EnrollmentState.ACTIVE:
            return None
        if state != EnrollmentState.PAUSED:
            self.ledger.settle(send.id, state=SendState.SKIPPED, last_error=f"enrollment {state or 'deleted'} before the send")
        return LEFT

    def _defer(self, send: LedgerRow, code: int, detail: str) -> Outcome:
        # Refused at MAIL/RCPT, no connection, or a 4xx after the claim: an attempt either way.
        attempts = send.attempts + 1
        backoff = self.settings.retry_backoff_seconds
        if attempts > len(backoff):
            self.ledger.settle(send.id, state=SendState.FAILED, attempts=attempts, smtp_code=code or None, last_error=f"gave up: {detail}"[:500])
            return Outcome("exit", reason=f"Email could not be delivered after {attempts} attempts")
        retry_at = self.now + timedelta(seconds=backoff[attempts - 1])
        self.ledger.settle(
            send.id, state=SendState.DEFERRED, attempts=attempts, next_attempt_at=retry_at,
            smtp_code=code or None, last_error=detail[:500], lease_until=None,
        )  # fmt: skip
        return Outcome("wait", until=retry_at)

    def flush(self) -> None:
        """Commit the outcomes still pending and give the ledger's connection back."""
        try:
            self.ledger.flush()
        finally:
            self.ledger.close()

