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
``reserve`` notes the next RESERVE_AHEAD rows in one durable commit (a
``send_reservations`` row, in the server's clock and WAL timeline), and their
claims then commit without waiting for the disk. A killed worker loses nothing
committed that way (the server keeps it), so its rows behave as before: a claim
that happened is "sending" and its lease makes it "unknown", one that did not
left the row pending. Only a crash of the database server, or a standby taking
over, can lose such commits: a reservation from before the server's last start
or from another timeline (``DOUBTFUL``) may cover a claim that was lost, so its
rows still pending or deferred are "unknown", never sent again: at most
RESERVE_AHEAD of them per worker. The batch deletes its reservations as it ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import text
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
_SENDING = "UPDATE sends SET state = {p}, lease_until = {p}, attempts = attempts + 1"
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

# PostgreSQL. The server's WAL timeline: a standby promoted in its place starts a new one.
SERVER_TIMELINE = "('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::integer"
# One statement, one round trip, committed durably (DURABLE).
RESERVE = (
    DURABLE + "INSERT INTO send_reservations (send_ids, lease_until, reserved_at, timeline)"
    f" SELECT {{p}}::integer[], {{p}}, now(), {SERVER_TIMELINE} FROM durable RETURNING id"
)
# A reservation the server may have lost claims under: made before it last started, or on another timeline.
DOUBTFUL = f"reserved_at <= pg_postmaster_start_time() OR timeline <> {SERVER_TIMELINE}"
UNRESERVE = "DELETE FROM send_reservations WHERE id = ANY({p}::integer[])"
MARK_SENT = "UPDATE sends SET state = {p}, sent_at = {p}, smtp_code = 250, last_error = NULL WHERE id = {p}"


def doubtful_send_ids(session: Session, now: datetime) -> set[int]:
    """PostgreSQL: the rows of reservations the server may have lost claims under (DOUBTFUL), whose rows
    still pending or deferred are "unknown". In the same statement, reservations left by batches that
    died (their lease over) are dropped when not doubtful, and doubtful ones once none of their rows waits
    any more (the SELECT sees the table as it was before the statement: those are left out of it)."""
    found = session.execute(
        text(
            f"WITH stale AS (DELETE FROM send_reservations WHERE lease_until < :now AND NOT ({DOUBTFUL})),"
            f" settled AS (DELETE FROM send_reservations WHERE ({DOUBTFUL}) AND NOT EXISTS (SELECT 1 FROM sends"
            " WHERE sends.id = ANY(send_reservations.send_ids) AND sends.state IN ('pending', 'deferred')) RETURNING id)"
            f" SELECT send_ids FROM send_reservations WHERE ({DOUBTFUL}) AND id NOT IN (SELECT id FROM settled)"
        ),
        {"now": now},
    )
    ids = {send_id for (send_ids,) in found for send_id in send_ids}
    session.commit()
    return ids


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
        # PostgreSQL through a connection of the batch's own: durable reservations, claims that do not wait.
        self.reserves = isinstance(self._conn, RawConnection) and dialect.name == "postgresql"
        self.reserved: set[int] = set()  # send ids this writer's reservations cover
        self._reservations: list[int] = []  # their ids, deleted by flush

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

    def reserve(self, send_ids: list[int]) -> None:
        """Note the rows about to be claimed in one durable commit (PostgreSQL; elsewhere each claim is
        durable itself), so that their claims need not wait for the disk."""
        if not send_ids or not self.reserves:
            return
        assert isinstance(self._conn, RawConnection)
        self._reservations += self._conn.returning_ids(RESERVE, (pg_array(send_ids), self._lease_until))
        self.reserved.update(send_ids)

    def claim_and_commit(self, send_id: int, topic: str | None = None) -> bool:
        """pending/deferred → sending unless the address is suppressed or opted out of ``topic`` (one
        statement), committed together with the previous message's outcome; True when the row is ours.
        The commit waits for the disk unless a reservation of this writer covers the row."""
        fault_point("before_claim", self.settings.fault)
        sender, subject, message_id = self._headers.pop(send_id, None) or (None, None, message_id_for(send_id, self.settings))
        sending, states = (SendState.SENDING.value, self._lease_until), (SendState.PENDING.value, SendState.DEFERRED.value)
        if not self._live_enrollment:
            kind, params = "any", (*sending, message_id, sender, subject, *states)
        elif self._prewritten.get(send_id) == (sender, message_id):
            kind, params = "prewritten", (*sending, subject, *states, EnrollmentState.ACTIVE.value)
        else:
            kind, params = "live", (*sending, message_id, sender, subject, *states, EnrollmentState.ACTIVE.value)
        if topic:
            params = (*params, topic)
        claim = (_CLAIMS[kind, bool(topic)], (*params, send_id))
        return self._commit([*self._pending, claim], durable=send_id not in self.reserved) == 1

    def sent(self, send_id: int) -> None:
        """Accepted (250): committed with the next claim, or by ``flush``."""
        fault_point("after_250", self.settings.fault)
        self._pending.append((MARK_SENT, (SendState.SENT.value, self._sent_at, send_id)))

    def settle(self, send_id: int, **values: Any) -> None:
        """Any other outcome (rare paths): committed with the next claim, or by ``flush``."""
        for name in values:
            SENDS.c[name]  # noqa: B018 - a KeyError for a column that does not exist
        assignments = ", ".join(f"{name} = {{p}}" for name in values)
        params = [self._value(value) for value in values.values()]
        self._pending.append((f"UPDATE sends SET {assignments} WHERE id = {{p}}", (*params, send_id)))

    def flush(self) -> None:
        """Commit the outcomes not yet committed (the batch's last one), and delete the batch's reservations."""
        if self._reservations:
            self._pending.append((UNRESERVE, (pg_array(self._reservations),)))
            self._reservations, self.reserved = [], set()
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
