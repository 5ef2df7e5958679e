"""The caller's commit ("sending") comes before the message; the envelope then goes in one round
trip with PIPELINING, one command at a time without; either way the message follows only a
successful commit, and a refusal or a lost claim sends nothing. With PIPELINING the next message's
MAIL, RCPT and DATA may go ahead, with the message before it (DATA's 354 only invites the message):
never its content."""

from __future__ import annotations

import time

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


def _email(settings, to):
    return build_system_email(settings, to, "Hi", "Hello")


def _send(settings, transport, to, before_data, then=None):
    return transport.send(_email(settings, to), before_data, _email(settings, then) if then else None)


def _given(sink, command: str, wait: float) -> bool:
    """Whether the server has been given ``command`` (it answers on its own thread: waited for)."""
    deadline = time.monotonic() + wait
    while command not in sink.handler.commands and time.monotonic() < deadline:
        time.sleep(0.005)
    return command in sink.handler.commands


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


def test_the_next_envelope_goes_ahead_with_the_message_before_it_and_its_content_after_its_claim(settings, sink, transport):
    at_claim: list[tuple[bool, bool, bool]] = []

    def claim(to, wait):
        def commit() -> bool:
            at_claim.append((_given(sink, f"RCPT {to}", wait), _given(sink, f"354 {to}", wait), f"DATA {to}" in sink.handler.commands))
            return True

        return commit

    assert _send(settings, transport, "a@example.com", claim("a@example.com", 0), then="b@example.com").accepted
    wait = 2 if sink.handler.pipelining else 0.2  # what was written ahead is on its way; nothing would come without
    assert _send(settings, transport, "b@example.com", claim("b@example.com", wait)).accepted
    # With PIPELINING, b's RCPT and DATA were given with a's message, before b's claim (the server had
    # said 354); without, after it. b's message itself never before its claim.
    ahead = sink.handler.pipelining
    assert at_claim == [(False, False, False), (ahead, ahead, False)]
    assert sink.handler.commands == [
        "RCPT a@example.com", "354 a@example.com", "DATA a@example.com", "RCPT b@example.com", "354 b@example.com", "DATA b@example.com"
    ]  # fmt: skip
    assert [r.rcpt_tos for r in sink.received] == [["a@example.com"], ["b@example.com"]]


def test_an_envelope_gone_ahead_but_not_sent_next_is_aborted_unsent(settings, sink, transport):
    assert _send(settings, transport, "a@example.com", lambda: True, then="waits@example.com").accepted
    assert _send(settings, transport, "c@example.com", lambda: True).accepted
    assert _send(settings, transport, "d@example.com", lambda: True).accepted
    assert [r.rcpt_tos for r in sink.received] == [["a@example.com"], ["c@example.com"], ["d@example.com"]]


def test_an_envelope_gone_ahead_whose_claim_is_lost_is_aborted_and_the_next_message_goes(settings, sink, transport):
    assert _send(settings, transport, "a@example.com", lambda: True, then="taken@example.com").accepted
    assert _send(settings, transport, "taken@example.com", lambda: False) == NOT_CLAIMED
    assert _send(settings, transport, "next@example.com", lambda: True).accepted
    assert [r.rcpt_tos for r in sink.received] == [["a@example.com"], ["next@example.com"]]


def test_an_envelope_gone_ahead_whose_commit_fails_sends_nothing_and_the_next_message_still_goes(settings, sink, transport):
    def failing_commit() -> bool:
        raise RuntimeError("database gone")

    assert _send(settings, transport, "a@example.com", lambda: True, then="b@example.com").accepted
    with pytest.raises(RuntimeError):
        _send(settings, transport, "b@example.com", failing_commit)
    assert _send(settings, transport, "c@example.com", lambda: True).accepted
    assert [r.rcpt_tos for r in sink.received] == [["a@example.com"], ["c@example.com"]]


def test_a_recipient_gone_ahead_and_refused_is_that_recipients_outcome(settings, sink, transport):
    sink.handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    assert _send(settings, transport, "a@example.com", lambda: True, then="gone@example.com").accepted
    refused = _send(settings, transport, "gone@example.com", lambda: True)
    assert (refused.accepted, refused.code) == (False, 550)
    assert _send(settings, transport, "here@example.com", lambda: True).accepted
    assert [r.rcpt_tos for r in sink.received] == [["a@example.com"], ["here@example.com"]]
