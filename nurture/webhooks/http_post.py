"""One HTTP POST with a hard deadline: whatever the receiver does, we are done within ``timeout``.

A socket timeout bounds each read, not the whole exchange (a receiver dripping
a byte every few seconds would hold us forever), so a timer shuts the socket
down at the deadline. Redirects are not followed: a 3xx is an answer to retry.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

RESPONSE_BYTES = 2048  # what we read and keep of a response body


@dataclass(frozen=True)
class HttpResult:
    status: int | None  # None: no HTTP answer (refused, timed out, TLS error…)
    body: str
    latency_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> HttpResult:
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme.lower() == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    expired = threading.Event()

    def _deadline() -> None:
        expired.set()
        sock = connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(timeout, _deadline)
    timer.daemon = True
    timer.start()
    try:
        connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        data = response.read(RESPONSE_BYTES)
        if expired.is_set():
            raise TimeoutError
        return HttpResult(response.status, data.decode("utf-8", "replace"), _ms(started))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = f"timed out after {timeout:g} s" if expired.is_set() or isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
        return HttpResult(None, "", _ms(started), reason[:500])
    finally:
        timer.cancel()
        connection.close()


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
