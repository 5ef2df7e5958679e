"""Real-world-shaped inbound messages (tests/mail/inbound_messages/*.eml) with the addresses and ids filled in."""

from __future__ import annotations

import uuid
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "inbound_messages"
BOUNCES = ["postfix_user_unknown", "exim_failed", "gmail_no_such_user", "exchange_legacy_ndr", "office365_recipient_not_found"]
OUT_OF_OFFICE = ["ooo_english", "ooo_german", "ooo_french"]


def load(
    name: str,
    *,
    rcpt: str = "lead@example.org",
    msgid: str = "<n1.0000000000000000@nurture.test>",
    sender: str | None = None,
    send_id: int = 1,
) -> bytes:
    text = (FOLDER / f"{name}.eml").read_text(encoding="utf-8")
    for placeholder, value in {
        "%RCPT%": rcpt, "%MSGID%": msgid, "%SENDER%": sender or rcpt, "%SENDID%": str(send_id),
        "%BOUNCEID%": uuid.uuid4().hex,
    }.items():  # fmt: skip
        text = text.replace(placeholder, value)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
