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
