"""The hot ledger statements: the claim before the message and the outcome after it.

The claim (pending → sending, refused for a suppressed address or an
enrollment no longer active, in one statement) is committed before the
message's content (smtp.py: with PIPELINING its MAIL, RCPT and DATA may have
gone ahead with the message before it; they carry nothing); a recipient refused
after it settles the row like any other outcome. The outcome of message i is
committed in the same transaction as the claim of message i+1, and the last
outcome of a batch on its own by ``flush``: one commit per message instead of
two. A crash between a 250 and that commit leaves that one row "sending", which
its lease turns into "unknown": the RFC 1047 window, never a resend. The window
never holds more than one accepted message: each claim commits the outcome
before it.

On PostgreSQL that durable commit (a WAL flush: ~95 µs of the server's CPU and
~200 µs of the message's wait, measured) is made once for a few rows instead:
``reserve`` makes the next RESERVE_AHEAD rows "sending" in one durable commit,
and each message's claim is then their hand-over to SMTP (``handed_at``, with
the same checks), committed before the content without waiting for the disk.
A killed worker loses nothing it committed that way (the server keeps it); a
crash of the database server (or a standby taking over) can lose such
commits, never the reservation. So a row whose lease expired while "sending"
is sent again only when nothing was ever handed over and the server has
neither restarted nor changed timeline since its reservation
(``RECLAIMABLE``); every other is "unknown", as before. A reservation not
handed over by the end of the batch (a cap, a wait, a refusal) is undone by
``flush``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from campaigns.faults import fault_point
from campaigns.ledger_connection import DURABLE, RawConnection, Statement, ledger_connection
from campaigns.messages import message_id_for
from campaigns.models import EnrollmentState, Send, SendState
from nurture.config import Settings
from nurture.db.bulk import pg_array

RESERVE_AHEAD = 32  # rows a durable reservation covers: also the most a database crash can leave "unknown" per worker

SENDS = Send.__table__

# Plain SQL with the DBAPI's placeholder ({p}), run on a bare cursor (ledger_connection.py).
# Every statement ends with ``id = {p}`` (the claims get it last, after their optional clause):
# its row is its last parameter.
_SENDING = "UPDATE sends SET state = {p}, lease_until = {p}, handed_at = {p}, attempts = attempts + 1"
_HEADERS = ", message_id = {p}, sender_email = COALESCE({p}, sender_email)"
_SUBJECT = ", subject = COALESCE({p}, subject)"
_CLAIMABLE = (
    " WHERE state IN ({p}, {p}) AND NOT EXISTS (SELECT 1 FROM suppressions WHERE suppressions.email = sends.rcpt_to)"
)
# A stop or pause (a reply, out of office …) committed after the batch claimed the enrollment
# still holds this email back: the enrollment must be active at the moment of the claim.
_LIVE = " AND EXISTS (SELECT 1 FROM enrollments WHERE enrollments.id = sends.enrollment_id AND enrollments.state = {p})"
# An opt-out of the email's topic (the preferences page) committed after the batch read them holds it back too.
_NOT_OPTED_OUT = (
    " AND NOT EXISTS (SELECT 1 FROM topic_opt_outs"
    " WHERE topic_opt_outs.email = lower(sends.rcpt_to) AND topic_opt_outs.topic = {p})"
)
_ROW = " AND id = {p}"
CLAIM_ANY_ENROLLMENT = _SENDING + _HEADERS + _SUBJECT + _CLAIMABLE
CLAIM = _SENDING + _HEADERS + _SUBJECT + _CLAIMABLE + _LIVE
# On SQLite the batch writes each row's Message-ID and sender before its first claim (``prewrite``), so
# the claim leaves those two indexed columns alone: rewritten in every claim, their index pages went into
# every per-message commit (~45 µs a message). The subject (not indexed) stays with the claim.
# Not on PostgreSQL: the claim changes ``state`` (indexed), so it is never a HOT update and writes a new
# entry into every index of ``sends`` whichever columns it sets; the headers cost it nothing more, and a
# prewrite was a second such update of every row (3,000 messages: 69 ms of executor time, 2.7 MB of WAL).
CLAIM_PREWRITTEN = _SENDING + _SUBJECT + _CLAIMABLE + _LIVE
# The claim's full text by (kind, with a topic), built once: not concatenated again for every message.
_CLAIMS = {
    (name, topic): sql + (_NOT_OPTED_OUT if topic else "") + _ROW
    for name, sql in (("any", CLAIM_ANY_ENROLLMENT), ("live", CLAIM), ("prewritten", CLAIM_PREWRITTEN))
    for topic in (False, True)
}
PREWRITE = "UPDATE sends SET message_id = {p}, sender_email = {p} WHERE state IN ({p}, {p}) AND id = {p}"

# PostgreSQL. A reserved row's claim: its hand-over to SMTP, with the claim's checks, committed before
# the content (not waiting for the disk: the reservation is durable). It sets no indexed column. Only
# rows its writer reserved are handed over, and never twice: ``handed_at IS NULL`` decides. (Its lease
# in the condition too made PostgreSQL scan the batch's "sending" rows by lease, not find the row by id.)
_HANDED = "UPDATE sends SET handed_at = {p}, attempts = attempts + 1"
_NOT_HANDED = " WHERE state = 'sending' AND handed_at IS NULL"
_HANDS = {
    (live, topic): _HANDED + _NOT_HANDED
    + " AND NOT EXISTS (SELECT 1 FROM suppressions WHERE suppressions.email = sends.rcpt_to)"
    + (_LIVE if live else "") + (_NOT_OPTED_OUT if topic else "") + _ROW
    for live in (False, True)
    for topic in (False, True)
}
# The server's WAL timeline: a standby promoted in its place starts a new one.
SERVER_TIMELINE = "('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::integer"
# A row left "sending" by a batch that never handed it over (its worker died), reserved since the
# database server last started and on its timeline: no commit of its hand-over can have been lost
# (only a crash of the server, or a standby taking over, loses commits that did not wait), so none
# happened.
RECLAIMABLE = (
    "state = 'sending' AND handed_at IS NULL AND reserved_at > pg_postmaster_start_time()"
    f" AND reserved_timeline = {SERVER_TIMELINE}"
)
# One statement, one round trip, committed durably (DURABLE).
RESERVE = (
    DURABLE + "UPDATE sends SET state = 'sending', lease_until = {p}, reserved_at = now(), handed_at = NULL,"
    f" reserved_timeline = {SERVER_TIMELINE},"
    " message_id = v.message_id, sender_email = v.sender_email, subject = v.subject"
    " FROM durable, unnest({p}::integer[], {p}::text[], {p}::text[], {p}::text[]) AS v(id, message_id, sender_email, subject)"
    f" WHERE sends.id = v.id AND (sends.state IN ('pending', 'deferred') OR ({RECLAIMABLE} AND sends.lease_until < {{p}}))"
    " RETURNING sends.id"
)
# A reservation not handed over goes back to what it was: deferred rows wait for a retry time, pending ones do not.
UNRESERVE = (
    "UPDATE sends SET state = CASE WHEN next_attempt_at IS NULL THEN 'pending' ELSE 'deferred' END,"
    " lease_until = NULL, reserved_at = NULL, reserved_timeline = NULL"
    " WHERE state = 'sending' AND handed_at IS NULL AND id = ANY({p}::integer[])"
)
MARK_SENT = "UPDATE sends SET state = {p}, sent_at = {p}, smtp_code = 250, last_error = NULL WHERE id = {p}"


class LedgerWriter:
    def __init__(self, session: Session, settings: Settings, now: datetime, *, live_enrollment: bool = True):
        """``live_enrollment=False``: a rep's manual email, sent by a person whatever became of the cadence
        that drafted it (suppression still holds)."""
        self.session = session
        self._live_enrollment = live_enrollment
        self.settings = settings
        self.now = now
        self._conn = ledger_connection(session)
        self.prewrites = session.get_bind().dialect.name == "sqlite"  # see CLAIM_PREWRITTEN
        dialect = session.get_bind().dialect
        # The column type's own conversion (naive UTC text on SQLite), applied once per value.
        self._time = SENDS.c.lease_until.type.bind_processor(dialect) or (lambda value: value)
        self._lease_until = self._time(now + timedelta(seconds=settings.send_lease_seconds))
        self._sent_at = self._time(now)
        self._pending: list[Statement] = []
        self._headers: dict[int, tuple[str, str, str]] = {}  # send id → (sender, subject, message id), written by its claim
        self._prewritten: dict[int, tuple[str, str]] = {}  # send id → (sender, message id) already written
        # PostgreSQL through a connection of the batch's own: durable reservations, handed-over claims.
        self.reserves = isinstance(self._conn, RawConnection) and dialect.name == "postgresql"
        self._reserved: set[int] = set()  # reserved by this writer, neither handed over nor settled yet

    def note(self, send_id: int, sender_email: str, subject: str, message_id: str) -> None:
        """What the claim of ``send_id`` records: the sender (mailbox caps), the subject (threads) and
        the Message-ID the envelope already carries (``message_id_for``; not derived a second time)."""
        self._headers[send_id] = (sender_email, subject[:998], message_id)

    def prewrite(self, headers: list[tuple[int, str, str]]) -> None:
        """(send id, sender, Message-ID) of rows about to be sent, committed at once (SQLite only: see
        CLAIM_PREWRITTEN; elsewhere each claim writes its row's)."""
        if not headers or not self.prewrites:
            return
        pending, deferred = SendState.PENDING.value, SendState.DEFERRED.value
        self._conn.run_many(
            PREWRITE, [(message_id, sender, pending, deferred, send_id) for send_id, sender, message_id in headers]
        )
        self._prewritten.update((send_id, (sender, message_id)) for send_id, sender, message_id in headers)

    def reserve(self, headers: list[tuple[int, str, str, str]]) -> None:
        """(send id, sender, subject, Message-ID) of the rows about to be sent, made "sending" in one durable
        commit (PostgreSQL; elsewhere each claim is durable itself). Rows another batch holds, or sent
        already, are not taken: their own claims decide, as without a reservation."""
        if not headers or not self.reserves:
            return
        ids, senders, subjects, message_ids = zip(*headers, strict=True)
        params = (
            self._lease_until, pg_array(ids), pg_array(message_ids), pg_array(senders),
            pg_array(subject[:998] for subject in subjects), self._time(self.now),
        )  # fmt: skip
        assert isinstance(self._conn, RawConnection)
        self._reserved.update(self._conn.returning_ids(RESERVE, params))

    def claim_and_commit(self, send_id: int, topic: str | None = None) -> bool:
        """pending/deferred → sending unless the address is suppressed or opted out of ``topic`` (one
        statement), committed together with the previous message's outcome; True when the row is ours.
        A row this writer reserved is handed over instead (the same checks, a commit not waiting for the disk)."""
        fault_point("before_claim", self.settings.fault)
        if send_id in self._reserved:
            self._headers.pop(send_id, None)
            self._reserved.discard(send_id)
            params: tuple[Any, ...] = (self._sent_at,)
            if self._live_enrollment:
                params = (*params, EnrollmentState.ACTIVE.value)
            if topic:
                params = (*params, topic)
            statement = (_HANDS[self._live_enrollment, bool(topic)], (*params, send_id))
            if self._commit([*self._pending, statement], durable=False) == 1:
                return True
            self._reserved.add(send_id)  # refused (suppressed, stopped …): still ours to undo or settle
            return False
        sender, subject, message_id = self._headers.pop(send_id, None) or (None, None, message_id_for(send_id, self.settings))
        sending, states = (SendState.SENDING.value, self._lease_until, self._sent_at), (SendState.PENDING.value, SendState.DEFERRED.value)
        if not self._live_enrollment:
            kind, params = "any", (*sending, message_id, sender, subject, *states)
        elif self._prewritten.get(send_id) == (sender, message_id):
            kind, params = "prewritten", (*sending, subject, *states, EnrollmentState.ACTIVE.value)
        else:
            kind, params = "live", (*sending, message_id, sender, subject, *states, EnrollmentState.ACTIVE.value)
        if topic:
            params = (*params, topic)
        return self._commit([*self._pending, (_CLAIMS[kind, bool(topic)], (*params, send_id))]) == 1

    def sent(self, send_id: int) -> None:
        """Accepted (250): committed with the next claim, or by ``flush``."""
        fault_point("after_250", self.settings.fault)
        self._pending.append((MARK_SENT, (SendState.SENT.value, self._sent_at, send_id)))

    def settle(self, send_id: int, **values: Any) -> None:
        """Any other outcome (rare paths): committed with the next claim, or by ``flush``."""
        self._reserved.discard(send_id)  # settled: not undone by flush
        for name in values:
            SENDS.c[name]  # noqa: B018 - a KeyError for a column that does not exist
        assignments = ", ".join(f"{name} = {{p}}" for name in values)
        params = [self._value(value) for value in values.values()]
        self._pending.append((f"UPDATE sends SET {assignments} WHERE id = {{p}}", (*params, send_id)))

    def flush(self) -> None:
        """Commit the outcomes not yet committed (the batch's last one), and undo the reservations not
        handed over."""
        if self._reserved:
            self._pending.append((UNRESERVE, (pg_array(sorted(self._reserved)),)))
            self._reserved.clear()
        if self._pending:
            # Losing this commit in a database crash leaves the row "sending", which becomes
            # "unknown", never a resend: it need not wait for the disk. A claim does.
            self._commit(self._pending, durable=False)

    def close(self) -> None:
        self._conn.close()

    def _commit(self, statements: list[Statement], *, durable: bool = True) -> int:
        """Run the statements in one transaction and commit; the last one's row count."""
        rowcount = self._conn.run(statements, durable=durable)
        self._pending.clear()
        return rowcount

    def _value(self, value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        return self._time(value) if isinstance(value, datetime) else value
