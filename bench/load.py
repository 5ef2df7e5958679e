"""HTTP load on loopback for the benchmarks: wrk when installed (Debian: ``apt-get install wrk``), else a small
Python generator (keep-alive connections in threads; it needs CPU itself, so its figures are lower bounds)."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Load:
    rps: float
    p99_ms: float
    answered: int
    failed: int
    tool: str


def run(url: str, seconds: int, user_agent: str, connections: int = 16) -> Load:
    if shutil.which("wrk"):
        return _wrk(url, seconds, user_agent, connections)
    return _python(url, seconds, user_agent, connections)


def _wrk(url: str, seconds: int, user_agent: str, connections: int) -> Load:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"User-Agent: {user_agent}", url],
                         capture_output=True, text=True, check=True, timeout=seconds + 60).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Load(
        rps,
        float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)],
        int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        (int(failed.group(1)) if failed else 0) + (sum(int(x) for x in errors.groups()) if errors else 0),
        "wrk",
    )


def _python(url: str, seconds: int, user_agent: str, connections: int) -> Load:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers={"User-Agent": user_agent})
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                ok = False
            latencies[index].append(time.perf_counter() - start)
            failures[index] += not ok
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(x for per in latencies for x in per)
    return Load(len(every) / elapsed, every[int(len(every) * 0.99) - 1] * 1000 if every else 0.0, len(every), sum(failures), "python")
