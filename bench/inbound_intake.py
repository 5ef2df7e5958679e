"""Inbound mail speed: parse + classify in memory, then IMAP polling into a database through a real dovecot.

The messages are the test fixtures (five bounce formats, a soft bounce,
out-of-office in three languages, a human reply, a ticket acknowledgement),
each given its own Message-ID and addresses. The poll is the production path:
UID fetch, store, classify, match, act, commit, flag on the server, checkpoint.

    .venv/bin/python bench/inbound_intake.py [--messages 500] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from campaigns.inbound.polling import poll_mailbox  # noqa: E402
from nurture.config import Settings  # noqa: E402
from nurture.db.engine import make_sessionmaker  # noqa: E402
from nurture.mail.inbound.classify import classify  # noqa: E402
from nurture.mail.inbound.mailbox import parse_mailbox_url  # noqa: E402
from nurture.mail.inbound.parsing import parse_message  # noqa: E402
from tests.databases import migrated_database  # noqa: E402
from tests.imap_server import dovecot_server  # noqa: E402
from tests.mail.inbound_fixtures import BOUNCES, OUT_OF_OFFICE, load  # noqa: E402

NAMES = [*BOUNCES, *OUT_OF_OFFICE, "postfix_mailbox_full", "human_reply", "ticket_autoack"]


def message(index: int) -> bytes:
    raw = load(NAMES[index % len(NAMES)], rcpt=f"r{index}@example.org", sender=f"s{index}@example.org")
    for name in (b"Message-ID: <", b"Message-Id: <"):
        raw = raw.replace(name, name + f"bench{index}.".encode(), 1)
    return raw


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    raws = [message(i) for i in range(args.messages)]

    started = time.perf_counter()
    for raw in raws:
        classify(parse_message(raw), date(2026, 11, 23))
    print(f"parse + classify: {len(raws) / (time.perf_counter() - started):,.0f} messages/s")

    with tempfile.TemporaryDirectory() as folder, migrated_database(args.backend, Path(folder)) as (url, engine):
        settings = Settings(database_url=url, secret_key="bench", instance_path=Path(folder))
        with dovecot_server() as server:
            with server.client() as client:
                client.create_folder("Bench")
                for raw in raws:
                    client.append("Bench", raw)
            with make_sessionmaker(engine)() as session:
                started = time.perf_counter()
                result = poll_mailbox(session, settings, parse_mailbox_url(server.url("Bench")), batch=len(raws))
                elapsed = time.perf_counter() - started
    print(f"IMAP poll + intake ({args.backend}): {result.processed} processed in {elapsed:.1f} s = {result.processed / elapsed:,.0f} messages/s")


if __name__ == "__main__":
    main()
