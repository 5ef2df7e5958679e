"""A counting aiosmtpd sink in its own process, shared by the send benchmarks."""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any


class _Counter:
    def __init__(self, value: Any):
        self.value = value

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.value.get_lock():
            self.value.value += 1
        return "250 OK"

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        from tests.smtp_server import with_pipelining

        return with_pipelining(session, hostname, responses)


def _serve(port: int, value: Any, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Counter(value), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


class Sink:
    def __init__(self, port: int):
        self.port = port
        self.count = mp.Value("q", 0)
        ready = mp.Event()
        self.process = mp.Process(target=_serve, args=(port, self.count, ready), daemon=True)
        self.process.start()
        ready.wait(10)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def received(self) -> int:
        return self.count.value

    def reset(self) -> None:
        with self.count.get_lock():
            self.count.value = 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.join()
