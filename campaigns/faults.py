"""Fault points for crash tests: with ``NURTURE_FAULT=point:n`` the worker SIGKILLs itself
the n-th time it passes ``point``. Inert unless configured."""

from __future__ import annotations

import os
import signal

_counts: dict[str, int] = {}


def fault_point(name: str, spec: str | None) -> None:
    if not spec:
        return
    for item in spec.split(","):
        point, _, nth = item.partition(":")
        if point != name:
            continue
        _counts[name] = _counts.get(name, 0) + 1
        if _counts[name] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)
