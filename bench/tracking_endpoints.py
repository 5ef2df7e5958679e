"""Open-pixel and click-redirect throughput and p99 under load (wrk on loopback, gunicorn), against a
bare endpoint returning the same response without recording; and every request's event counted.

Ours is the real setup: `nurture web` (gunicorn) appends each event to the Redis stream, and `nurture
scheduler` runs meanwhile, its ingest task writing the stream to the database in batches. After each
run the stream is drained and the events appended (the stream's entries-added) are compared with the rows
written; wrk counts only the responses inside its window, so a few more may be appended than answered.

Target: ratio >= 0.7, p99 < 20 ms, rows written == events appended.

    .venv/bin/python bench/tracking_endpoints.py [--seconds 10] [--backend postgresql|sqlite]

Uses wrk when installed (Debian: apt-get install wrk), else a Python load generator (bench/load.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench import load  # noqa: E402
from campaigns.sequences import activate, create_sequence  # noqa: E402
from campaigns.tracked_events import STREAM  # noqa: E402
from nurture.db.engine import make_sessionmaker  # noqa: E402
from nurture.leads.capture import create_lead  # noqa: E402
from nurture.leads.validation import validate_lead_input  # noqa: E402
from nurture.mail.tokens import TokenSigner  # noqa: E402
from nurture.models import EmailEvent  # noqa: E402
from tests.campaigns.processes import wait_until  # noqa: E402
from tests.campaigns.sent_messages import sent_message  # noqa: E402
from tests.databases import migrated_database  # noqa: E402
from tests.smtp_server import free_port  # noqa: E402
from workers.ingest import pending  # noqa: E402

SECRET = "bench-secret"
HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"


def seed(engine) -> int:
    with make_sessionmaker(engine)() as session:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        sequence = create_sequence(session, {"name": "B", "definition": {"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]}})
        activate(session, sequence, now)
        lead = create_lead(session, validate_lead_input({"email": "reader@example.com"}), reason="bench")
        send = sent_message(session, sequence, lead, now)
        session.commit()
        return send.id


def serve(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/t/o/x", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start; see {log}")


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and its children (gunicorn: the master and its workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def appended(connection: redis.Redis) -> int:
    """Entries ever appended to the tracking stream (acknowledged ones are deleted, the count stays)."""
    try:
        return int(connection.xinfo_stream(STREAM)["entries-added"])
    except redis.ResponseError:  # no stream yet
        return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--redis-db", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections of the load")
    args = parser.parse_args()
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    with tempfile.TemporaryDirectory() as directory, migrated_database(args.backend, Path(directory)) as (url, engine):
        tmp = Path(directory)
        send_id = seed(engine)
        signer = TokenSigner(SECRET)
        paths = {"open pixel": f"/t/o/{signer.open_token(send_id)}", "click": f"/t/c/{signer.click_token(send_id, 'https://example.com/guide')}"}
        env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
        env.update(NURTURE_DATABASE_URL=url, NURTURE_SECRET_KEY=SECRET, NURTURE_INSTANCE_PATH=str(tmp),
                   NURTURE_REDIS_URL=redis_url, NURTURE_PUBLIC_RATE_LIMIT="100000000 per minute", PYTHONUNBUFFERED="1")  # fmt: skip
        ours_port, bare_port = free_port(), free_port()
        gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4", "--log-level", "warning"]
        ours = serve([sys.executable, "-m", "nurture.cli", "web", "--port", str(ours_port), "--workers", "2"], env, ours_port, tmp / "ours.log")
        bare = serve([*gunicorn, "-b", f"127.0.0.1:{bare_port}", "bench.bare_app:app"], {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}, bare_port, tmp / "bare.log")
        scheduler = subprocess.Popen([sys.executable, "-m", "nurture.cli", "scheduler"], env=env, stdout=(tmp / "scheduler.log").open("wb"), stderr=subprocess.STDOUT)
        try:
            factory = make_sessionmaker(engine)
            for name, path in paths.items():
                with factory() as session:
                    before = session.scalar(select(func.count()).select_from(EmailEvent)) or 0
                cpu = cpu_seconds(bare.pid)
                bare_load = load.run(f"http://127.0.0.1:{bare_port}{path}", args.seconds, HUMAN, args.connections)
                bare_cpu = (cpu_seconds(bare.pid) - cpu) / max(1, bare_load.answered) * 1000
                xadd_before, cpu, ingest_cpu = appended(connection), cpu_seconds(ours.pid), cpu_seconds(scheduler.pid)
                ours_load = load.run(f"http://127.0.0.1:{ours_port}{path}", args.seconds, HUMAN, args.connections)
                ours_cpu = (cpu_seconds(ours.pid) - cpu) / max(1, ours_load.answered) * 1000
                time.sleep(0.5)  # the last responses' appends
                sent = appended(connection) - xadd_before
                drain_started = time.perf_counter()
                drained = wait_until(lambda: pending(connection) == 0, 120, 0.05)
                drain_seconds = time.perf_counter() - drain_started
                ingest_cpu = (cpu_seconds(scheduler.pid) - ingest_cpu) / max(1, sent) * 1000
                with factory() as session:
                    recorded = (session.scalar(select(func.count()).select_from(EmailEvent)) or 0) - before
                print(f"{name} ({args.backend}, {ours_load.tool}, {args.connections} connections): ours {ours_load.rps:,.0f} req/s p99 {ours_load.p99_ms:.1f} ms, "
                      f"bare {bare_load.rps:,.0f} req/s p99 {bare_load.p99_ms:.1f} ms, ratio {ours_load.rps / bare_load.rps:.2f} "
                      f"(target >= 0.70, p99 < 20 ms); answered {ours_load.answered}, failed {ours_load.failed + bare_load.failed}, "
                      f"appended {sent}, recorded {recorded} ({'all' if recorded == sent else 'MISSING ' + str(sent - recorded)}; "
                      f"ingest {'drained' if drained else 'NOT drained'} {drain_seconds:.1f} s after the load)", flush=True)  # fmt: skip
                print(f"  CPU per request in the web server: ours {ours_cpu:.2f} ms, bare {bare_cpu:.2f} ms "
                      f"(CPU-bound ratio {bare_cpu / ours_cpu:.2f}); scheduler (ingest) {ingest_cpu:.2f} ms per event", flush=True)  # fmt: skip
        finally:
            for process in (ours, bare, scheduler):
                process.terminate()
                process.wait(10)
            connection.flushdb()


if __name__ == "__main__":
    main()
