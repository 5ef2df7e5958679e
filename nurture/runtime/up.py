"""``nurture up``: migrate, then supervise web + worker + scheduler (and an embedded Redis).

Each part runs as its own process (``nurture web|worker|scheduler``) with the
same settings passed by environment; Ctrl-C or SIGTERM stops them all, and if
one dies the rest are stopped too, so a half-running system never lingers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

from nurture.config import Settings
from nurture.db.engine import make_engine, make_sessionmaker
from nurture.db.migrate import upgrade
from nurture.runtime.redis_server import EmbeddedRedis
from nurture.users.bootstrap import DEFAULT_ADMIN_EMAIL, ensure_first_admin


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def child_environment(settings: Settings, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NURTURE_DATABASE_URL=settings.database_url,
        NURTURE_REDIS_URL=redis_url,
        NURTURE_SECRET_KEY=settings.secret_key,
        NURTURE_INSTANCE_PATH=str(settings.instance_path),
        NURTURE_BASE_URL=settings.base_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def _spawn(name: str, args: list[str], env: Mapping[str, str]) -> Child:
    command = [sys.executable, "-m", "nurture.cli", *args]
    # A session of its own: Ctrl-C reaches only the supervisor, which stops the parts in order.
    return Child(name, subprocess.Popen(command, env=dict(env), stdin=subprocess.DEVNULL, start_new_session=True))


def _stop(children: list[Child], timeout: float = 15.0) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            child.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def run_up(settings: Settings, host: str = "127.0.0.1", port: int = 5000) -> int:
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    if settings.base_url == "http://127.0.0.1:5000" and (host, port) != ("127.0.0.1", 5000):
        settings = settings.with_(base_url=f"http://{host}:{port}")
    print("nurture: applying database migrations", flush=True)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    admin_email = os.environ.get("NURTURE_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL
    with make_sessionmaker(engine)() as session:
        password = ensure_first_admin(session, admin_email)
    engine.dispose()

    embedded: EmbeddedRedis | None = None
    redis_url = settings.redis_url
    if not redis_url:
        embedded = EmbeddedRedis(settings.instance_path / "redis")
        redis_url = embedded.start()
        print(f"nurture: embedded Redis at {redis_url}", flush=True)

    stopping = False

    def _on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    env = child_environment(settings, redis_url)
    children = [
        _spawn("web", ["web", "--host", host, "--port", str(port)], env),
        _spawn("worker", ["worker"], env),
        _spawn("scheduler", ["scheduler"], env),
    ]
    print(f"nurture: running at http://{host}:{port}  (Ctrl-C stops)", flush=True)
    if settings.smtp_url is None:
        print("nurture: no NURTURE_SMTP_URL: mail is kept in the outbox (admin → Outbox)", flush=True)
    if password:
        print(f"nurture: first run: log in as {admin_email} with password: {password}", flush=True)
    status = 0
    try:
        while not stopping:
            for child in children:
                code = child.process.poll()
                if code is not None:
                    print(f"nurture: {child.name} exited with {code}; stopping", file=sys.stderr, flush=True)
                    status, stopping = 1, True
            time.sleep(0.2)
    finally:
        print("nurture: stopping", flush=True)
        _stop(children[:1])  # the web first: the scheduler then writes the last tracked clicks before Redis stops
        _stop(children[1:])
        if embedded:
            embedded.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
