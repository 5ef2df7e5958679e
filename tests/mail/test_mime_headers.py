"""The Date and From headers, formatted once a second and once a sender: what email.utils would write."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import UTC, datetime
from email.utils import formataddr, parsedate_to_datetime

from nurture.mail.mime import MimeParts, build_message


def _parts(name: str) -> MimeParts:
    return MimeParts(from_name=name, from_email="news@example.com", to="lead@example.com", subject="Hi",
                     message_id="<m@example.com>", text="Hello", html="<p>Hello</p>")  # fmt: skip


def test_the_date_is_now_and_the_sender_as_formataddr_writes_it():
    before = datetime.now(UTC).replace(microsecond=0)
    for name in ("Nurture News", "Zoë Müller", "Smith, John"):
        message = email.message_from_bytes(build_message(_parts(name)), policy=email.policy.compat32)
        assert message["From"] == formataddr((name, "news@example.com"), charset="utf-8")
        sent = parsedate_to_datetime(message["Date"]).replace(tzinfo=UTC)  # "-0000": UTC, zone not said
        assert before <= sent <= datetime.now(UTC)


def test_the_date_moves_on_with_the_clock():
    first = email.message_from_bytes(build_message(_parts("N")))["Date"]
    time.sleep(1.05)
    assert email.message_from_bytes(build_message(_parts("N")))["Date"] != first
