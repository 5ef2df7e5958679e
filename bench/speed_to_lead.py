"""Speed to lead: from the click that makes a lead sales-ready (its HTTP request) to the rep's notification
accepted by an SMTP server, with `nurture web` (gunicorn), `nurture worker` and `nurture scheduler` running.

Each lead starts just below the sales-ready threshold (nine clicks and an open an hour ago, ~46 points; the
handoff's feeds start after them), then one person-like click crosses it (+5). Leads click one after another,
--gap seconds apart. Target: p99 under 2 s.

    .venv/bin/python bench/speed_to_lead.py [--leads 60] [--gap 0.2] [--backend postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import select  # noqa: E402

from campaigns.sequences import activate, create_sequence  # noqa: E402
from nurture.db.engine import make_sessionmaker  # noqa: E402
from nurture.handoff.evaluate import start_feeds_at_the_end  # noqa: E402
from nurture.leads.capture import create_lead  # noqa: E402
from nurture.leads.validation import validate_lead_input  # noqa: E402
from nurture.mail.tokens import TokenSigner  # noqa: E402
from nurture.models import EmailEvent, Lead, Role, Task  # noqa: E402
from nurture.users.accounts import create_user  # noqa: E402
from tests.campaigns.processes import engine_env, start, stop, wait_until  # noqa: E402
from tests.campaigns.sent_messages import sent_message  # noqa: E402
from tests.databases import migrated_database  # noqa: E402
from tests.smtp_server import free_port  # noqa: E402

HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
SECRET = "crash-test-secret"  # the one engine_env gives the processes
TARGET_SECONDS = 2.0


class Arrivals:
    """Records when each notification's DATA was accepted, by subject."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        subject = next((line.split(":", 1)[1].strip() for line in envelope.content.decode(errors="replace").splitlines()
                        if line.lower().startswith("subject:")), "")  # fmt: skip
        with self.lock:
            self.at.setdefault(subject, time.monotonic())
            self.wall.setdefault(subject, time.time())
        return "250 OK"


def seed(engine: Any, leads: int) -> dict[str, int]:
    """Leads one click short of sales-ready, each with a message sent an hour ago; returns {first name: send id}."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    sends = {}
    with make_sessionmaker(engine)() as session:
        for n in range(5):
            create_user(session, f"rep{n}@example.com", Role.REP)
        sequence = create_sequence(session, {"name": "B", "definition": {"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]}})
        activate(session, sequence, hour_ago)
        for n in range(leads):
            lead = create_lead(session, validate_lead_input({"email": f"lead{n}@example.com", "first_name": f"Lead{n}"}), reason="bench")
            send = sent_message(session, sequence, lead, hour_ago)
            for k in range(10):
                session.add(EmailEvent(send_id=send.id, lead_id=lead.id, kind="open" if k == 0 else "click", url=None if k == 0 else "https://example.com/a",
                                       user_agent=HUMAN, occurred_at=hour_ago + timedelta(minutes=k), recorded_at=hour_ago))  # fmt: skip
            sends[f"Lead{n}"] = send.id
        session.flush()
        start_feeds_at_the_end(session)  # history is not re-evaluated: the crossing click is what counts
        session.commit()
    return sends


def click(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"User-Agent": HUMAN})
    status = connection.getresponse().status
    connection.close()
    return status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=60)
    parser.add_argument("--gap", type=float, default=0.2)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--redis-db", type=int, default=8)
    args = parser.parse_args()
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    redis.Redis.from_url(redis_url).flushdb()
    arrivals = Arrivals()
    smtp = Controller(arrivals, hostname="127.0.0.1", port=free_port())
    smtp.start()
    with tempfile.TemporaryDirectory() as directory, migrated_database(args.backend, Path(directory)) as (url, engine):
        tmp = Path(directory)
        sends = seed(engine, args.leads)
        port = free_port()
        env = engine_env(url, redis_url, f"smtp://127.0.0.1:{smtp.port}", tmp / "instance", NURTURE_BASE_URL=f"http://127.0.0.1:{port}")
        processes = [start("web", env, tmp / "web.log", "--port", str(port), "--workers", "2"),
                     start("worker", env, tmp / "worker.log"), start("scheduler", env, tmp / "scheduler.log")]  # fmt: skip
        try:
            if not wait_until(lambda: _answers(port), 60, 0.1):
                raise SystemExit((tmp / "web.log").read_text())
            time.sleep(2)  # the scheduler's first passes
            signer = TokenSigner(SECRET)
            clicked: dict[str, float] = {}
            for name, send_id in sends.items():
                clicked[name] = time.monotonic()
                assert click(port, f"/t/c/{signer.click_token(send_id, 'https://example.com/pricing')}") == 302
                time.sleep(args.gap)
            wait_until(lambda: len(arrivals.at) >= len(sends), 60, 0.05)
            latencies = sorted(arrivals.at[f"Sales-ready lead: {name}"] - at for name, at in clicked.items() if f"Sales-ready lead: {name}" in arrivals.at)
            missing = len(sends) - len(latencies)
            if not latencies:
                raise SystemExit(f"no notification arrived; see {tmp / 'scheduler.log'}")
            p50 = statistics.median(latencies)
            p99 = latencies[max(0, int(len(latencies) * 0.99 + 0.5) - 1)]
            print(f"speed to lead ({args.backend}, {len(sends)} leads, one every {args.gap:.2f} s): click -> rep's email accepted "
                  f"p50 {p50:.2f} s, p99 {p99:.2f} s, max {latencies[-1]:.2f} s; p99/target {p99 / TARGET_SECONDS:.2f} "
                  f"(target: p99 < {TARGET_SECONDS:.0f} s, ratio < 1){'; MISSING ' + str(missing) if missing else ''}")  # fmt: skip
            print(breakdown(engine, arrivals))
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                stop(process)
            smtp.stop()


def breakdown(engine: Any, arrivals: Arrivals) -> str:
    """Where the time goes, medians over the leads: click -> row written (ingest), -> evaluation pass, -> email accepted."""
    ingest, evaluate, notify = [], [], []
    with make_sessionmaker(engine)() as session:
        rows = session.execute(
            select(EmailEvent.occurred_at, EmailEvent.recorded_at, Task.created_at, Lead.first_name)
            .join(Task, Task.lead_id == EmailEvent.lead_id).join(Lead, Lead.id == EmailEvent.lead_id)
            .where(EmailEvent.url == "https://example.com/pricing")
        ).all()
    for occurred, recorded, promoted, name in rows:
        ingest.append((recorded - occurred).total_seconds())
        evaluate.append((promoted - recorded).total_seconds())
        if f"Sales-ready lead: {name}" in arrivals.wall:
            notify.append(arrivals.wall[f"Sales-ready lead: {name}"] - promoted.timestamp())
    med = statistics.median
    return (f"  medians: click -> row written {med(ingest):.2f} s, -> evaluation pass started {med(evaluate):.2f} s, "
            f"-> rep's email accepted {med(notify):.2f} s")


def _answers(port: int) -> bool:
    try:
        return click(port, "/t/o/x") == 200
    except OSError:
        return False


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
