"""Real worker and scheduler processes for crash tests, started like `nurture worker` / `nurture scheduler`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def engine_env(database_url: str, redis_url: str, smtp_url: str, instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    env.update(
        NURTURE_DATABASE_URL=database_url,
        NURTURE_REDIS_URL=redis_url,
        NURTURE_SMTP_URL=smtp_url,
        NURTURE_INSTANCE_PATH=str(instance),
        NURTURE_SECRET_KEY="crash-test-secret",
        NURTURE_FREQUENCY_CAP_PER_DAY="0",
        NURTURE_BATCH_SIZE="10",
        NURTURE_CLAIM_LEASE_SECONDS="3",
        NURTURE_SEND_LEASE_SECONDS="2",
        NURTURE_RETRY_BACKOFF_SECONDS="1,1,2,2,3,3,5,5",
        NURTURE_SENDER_EMAIL="news@nurture.test",
        NURTURE_POSTAL_ADDRESS="1 Test Street",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start(role: str, env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "nurture.cli", role, *args], env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(predicate: Callable[[], object], timeout: float, step: float = 0.3) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def finished(engine) -> bool:  # noqa: ANN001
    """No enrollment is active any more: the workers have done all there was."""
    from sqlalchemy import func, select

    from campaigns.models import Enrollment, EnrollmentState
    from nurture.db.engine import make_sessionmaker

    with make_sessionmaker(engine)() as session:
        live = session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.state == EnrollmentState.ACTIVE))
        return live == 0
