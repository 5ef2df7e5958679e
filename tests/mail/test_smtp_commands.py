"""MAIL FROM / RCPT TO are written directly for plain addresses: exactly what smtplib would send."""

from __future__ import annotations

import smtplib

from nurture.mail.smtp import _PLAIN_ADDRESS


def test_plain_addresses_are_sent_as_smtplib_would_quote_them_and_others_go_through_smtplib():
    plain = ["a@b.com", "lead1@example.com", "x.y+z_w-1@sub.ex-ample.org", "o'brien@example.ie"]
    for address in plain:
        assert _PLAIN_ADDRESS.fullmatch(address)
        assert smtplib.quoteaddr(address) == f"<{address}>"
    for address in ["a b@c.com", "<a@b.com>", "A <a@b.com>", '"q r"@b.com', "a@b.com\r\nRCPT TO:<x@y>", "a(c)@b.com", "a@b@c"]:
        assert not _PLAIN_ADDRESS.fullmatch(address)


def test_lines_starting_with_a_dot_reach_the_server_as_written():
    """Dot-stuffing (RFC 5321 §4.5.2): the server takes the stuffed dots off again; a line of one dot
    inside the message does not end it."""
    from nurture.mail.smtp import SmtpTransport
    from nurture.mail.transport import Envelope
    from tests.smtp_server import SmtpSink

    body = b".starts the body\r\nplain\r\n.\r\n..two dots\r\n. dot space\r\nends with a dot.\r\n."
    raw = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: dots\r\n\r\n" + body
    with SmtpSink() as sink:
        transport = SmtpTransport(sink.url, timeout=5)
        try:
            for start in (raw, b".X: leading dot header-ish\r\n" + raw):
                assert transport.send(Envelope("a@example.com", "b@example.com", "<m@x>", "dots", start)).accepted
        finally:
            transport.close()
        received = [r.raw for r in sink.received]
    assert received == [raw + b"\r\n", b".X: leading dot header-ish\r\n" + raw + b"\r\n"]
