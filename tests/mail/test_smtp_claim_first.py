"""The caller's commit ("sending") comes before anything of the message is written; the envelope
then goes in one round trip with PIPELINING, one command at a time without; either way the
message follows only a successful commit, and a refusal or a lost claim sends nothing."""

from __future__ import annotations

import pytest

from nurture.mail.smtp import SmtpTransport
from nurture.mail.system_email import build_system_email
from nurture.mail.transport import NOT_CLAIMED
from tests.smtp_server import SmtpSink


@pytest.fixture(params=[True, False], ids=["pipelining", "one-at-a-time"])
def sink(request):
    with SmtpSink() as sink:
        sink.handler.pipelining = request.param
        yield sink


@pytest.fixture
def transport(sink):
    transport = SmtpTransport(sink.url, timeout=5)
    yield transport
    transport.close()


def _send(settings, transport, to, before_data):
    return transport.send(build_system_email(settings, to, "Hi", "Hello"), before_data)


def test_the_message_is_written_only_after_the_commit(settings, sink, transport):
    seen_at_commit: list[int] = []

    def commit() -> bool:
        seen_at_commit.append(len(sink.received))
        return True

    for n in range(3):
        assert _send(settings, transport, f"lead{n}@example.com", commit).accepted
    assert seen_at_commit == [0, 1, 2]
    assert [r.rcpt_tos for r in sink.received] == [[f"lead{n}@example.com"] for n in range(3)]
    assert transport._conn is not None and transport._conn.has_extn("pipelining") == sink.handler.pipelining


def test_a_row_not_claimed_is_not_sent_and_the_next_one_is(settings, sink, transport):
    assert _send(settings, transport, "taken@example.com", lambda: False) == NOT_CLAIMED
    assert _send(settings, transport, "next@example.com", lambda: True).accepted
    assert [r.rcpt_tos for r in sink.received] == [["next@example.com"]]


def test_a_refused_recipient_after_the_commit_is_that_recipients_outcome(settings, sink, transport):
    sink.handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    refused = _send(settings, transport, "gone@example.com", lambda: True)
    assert (refused.accepted, refused.code, refused.permanent_failure) == (False, 550, True)
    assert _send(settings, transport, "here@example.com", lambda: True).accepted
    assert [r.rcpt_tos for r in sink.received] == [["here@example.com"]]


def test_a_failed_commit_sends_nothing_and_the_next_message_still_goes(settings, sink, transport):
    def failing_commit() -> bool:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        _send(settings, transport, "a@example.com", failing_commit)
    assert _send(settings, transport, "b@example.com", lambda: True).accepted
    assert [r.rcpt_tos for r in sink.received] == [["b@example.com"]]
