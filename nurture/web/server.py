"""Serving the app with gunicorn, building it in each worker from explicit settings."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from nurture.config import Settings


class NurtureServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Built after fork, in each worker: no engine or socket is shared across processes.
        from nurture.web.app import create_app

        return create_app(self.settings)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 5000, workers: int = 2, threads: int = 4) -> None:
    NurtureServer(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "nurture-web",
        },
    ).run()
