"""Open-pixel and click-redirect throughput and p99 under load (wrk on loopback, gunicorn), against a
bare endpoint returning the same response without recording; and every request's event counted.

Target: ratio >= 0.7, p99 < 20 ms, events recorded == requests answered.

    .venv/bin/python bench/tracking_endpoints.py [--seconds 10] [--backend postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from campaigns.models import Enrollment, Send, SendState  # noqa: E402
from campaigns.sequences import activate, create_sequence  # noqa: E402
from nurture.db.engine import make_sessionmaker  # noqa: E402
from nurture.leads.capture import create_lead  # noqa: E402
from nurture.leads.validation import validate_lead_input  # noqa: E402
from nurture.mail.tokens import TokenSigner  # noqa: E402
from nurture.models import EmailEvent  # noqa: E402
from tests.databases import migrated_database  # noqa: E402
from tests.smtp_server import free_port  # noqa: E402

SECRET = "bench-secret"
HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"


def seed(engine) -> int:
    with make_sessionmaker(engine)() as session:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        sequence = create_sequence(session, {"name": "B", "definition": {"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]}})
        activate(session, sequence, now)
        lead = create_lead(session, validate_lead_input({"email": "reader@example.com"}), reason="bench")
        enrollment = Enrollment(lead_id=lead.id, sequence_id=sequence.id, version_id=sequence.current_version_id, current_step=None, created_at=now)
        session.add(enrollment)
        session.flush()
        send = Send(enrollment_id=enrollment.id, version_id=sequence.current_version_id, step_id="a", lead_id=lead.id,
                    rcpt_to=lead.email, state=SendState.SENT, sent_at=now)  # fmt: skip
        session.add(send)
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


def wrk(url: str, seconds: int) -> tuple[float, float, int]:
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-H", f"User-Agent: {HUMAN}", url],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99_text = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(p99_text.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99_text.group(2)]
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{errors.group(1)} failed responses:\n{out}")
    return rps, p99, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, migrated_database(args.backend, Path(directory)) as (url, engine):
        tmp = Path(directory)
        send_id = seed(engine)
        signer = TokenSigner(SECRET)
        paths = {"open pixel": f"/t/o/{signer.open_token(send_id)}", "click": f"/t/c/{signer.click_token(send_id, 'https://example.com/guide')}"}
        env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
        env.update(NURTURE_DATABASE_URL=url, NURTURE_SECRET_KEY=SECRET, NURTURE_INSTANCE_PATH=str(tmp),
                   NURTURE_REDIS_URL="redis://127.0.0.1:6379/8", NURTURE_PUBLIC_RATE_LIMIT="100000000 per minute")  # fmt: skip
        ours_port, bare_port = free_port(), free_port()
        gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4", "--log-level", "warning"]
        ours = serve([sys.executable, "-m", "nurture.cli", "web", "--port", str(ours_port), "--workers", "2"], env, ours_port, tmp / "ours.log")
        bare = serve([*gunicorn, "-b", f"127.0.0.1:{bare_port}", "bench.bare_app:app"], {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}, bare_port, tmp / "bare.log")
        try:
            factory = make_sessionmaker(engine)
            for name, path in paths.items():
                with factory() as session:
                    before = session.scalar(select(func.count()).select_from(EmailEvent)) or 0
                bare_rps, bare_p99, _ = wrk(f"http://127.0.0.1:{bare_port}{path}", args.seconds)
                rps, p99, total = wrk(f"http://127.0.0.1:{ours_port}{path}", args.seconds)
                time.sleep(1)
                with factory() as session:
                    recorded = (session.scalar(select(func.count()).select_from(EmailEvent)) or 0) - before
                print(f"{name} ({args.backend}): ours {rps:,.0f} req/s p99 {p99:.1f} ms, bare {bare_rps:,.0f} req/s p99 {bare_p99:.1f} ms, "
                      f"ratio {rps / bare_rps:.2f} (target >= 0.70, p99 < 20 ms); events recorded {recorded} of {total} requests")  # fmt: skip
        finally:
            for process in (ours, bare):
                process.terminate()
                process.wait(10)


if __name__ == "__main__":
    main()
