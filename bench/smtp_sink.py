"""A counting aiosmtpd sink in its own process, shared by the send benchmarks."""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any


class _Counter:
    def __init__(self, value: Any, size: Any):
        self.value = value
        self.size = size

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.value.get_lock():
            self.value.value += 1
            self.size.value += len(envelope.original_content)
        return "250 OK"

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        from tests.smtp_server import with_pipelining

        return with_pipelining(session, hostname, responses)


def _serve(port: int, value: Any, size: Any, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Counter(value, size), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


class Sink:
    def __init__(self, port: int):
        self.port = port
        self.count = mp.Value("q", 0)
        self.size = mp.Value("q", 0, lock=False)  # bytes received, guarded by count's lock
        ready = mp.Event()
        self.process = mp.Process(target=_serve, args=(port, self.count, self.size, ready), daemon=True)
        self.process.start()
        ready.wait(10)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def received(self) -> int:
        return self.count.value

    def mean_size(self) -> float:
        """Bytes per message received since the last reset (the messages' size as the server saw them)."""
        with self.count.get_lock():
            return self.size.value / max(self.count.value, 1)

    def reset(self) -> None:
        with self.count.get_lock():
            self.count.value = 0
            self.size.value = 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.join()
