"""The test Redis: the local server in a database that is empty, else an embedded one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from nurture.runtime.redis_server import EmbeddedRedis

LOCAL_URL = os.environ.get("NURTURE_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _empty_local_db() -> str | None:
    try:
        client = redis.Redis.from_url(LOCAL_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError:
        return None
    # pytest-xdist workers each look only at their own share of the databases (gw0: 15, 13, …; gw1: 14, 12, …).
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if os.environ.get("NURTURE_TEST_REDIS_DB"):  # parallel runs on one machine each take their own
        return f"{LOCAL_URL.rstrip('/')}/{int(os.environ['NURTURE_TEST_REDIS_DB']) + worker}"
    for db in range(15 - worker, 0, -workers):
        url = f"{LOCAL_URL.rstrip('/')}/{db}"
        if redis.Redis.from_url(url).dbsize() == 0:
            return url
    return None


@contextmanager
def test_redis(directory: Path) -> Iterator[str]:
    url = _empty_local_db()
    if url is not None:
        yield url
        redis.Redis.from_url(url).flushdb()
        return
    server = EmbeddedRedis(directory)
    try:
        yield server.start()
    finally:
        server.stop()
