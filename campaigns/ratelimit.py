"""Sending rate limits, global and per recipient domain: over the limit a message waits, never drops.

The engine asks a ``RateLimiter`` before each message; the worker layer
provides one backed by Redis (shared by every worker), tests may give their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class RateLimiter(Protocol):
    def acquire(self, domain: str, now: float) -> float:
        """Take a slot for one message to ``domain``; 0 when allowed, else seconds to wait."""
        ...


@dataclass(frozen=True)
class RateLimits:
    per_second: int = 0  # all messages, all workers (0: unlimited)
    per_domain: Mapping[str, int] = field(default_factory=dict)  # "gmail.com": 20, "*": default for others

    @property
    def active(self) -> bool:
        return self.per_second > 0 or bool(self.per_domain)

    def for_domain(self, domain: str) -> int:
        return self.per_domain.get(domain, self.per_domain.get("*", 0))

    @classmethod
    def parse(cls, per_second: str | None, per_domain: str | None) -> RateLimits:
        """``"50"`` and ``"gmail.com=20,yahoo.com=10,*=30"``; raises ValueError on nonsense."""
        domains: dict[str, int] = {}
        for item in (per_domain or "").split(","):
            if item.strip():
                name, _, limit = item.partition("=")
                domains[name.strip().lower()] = int(limit)
        limits = cls(int(per_second or 0), domains)
        if limits.per_second < 0 or any(v <= 0 for v in domains.values()):
            raise ValueError("rate limits must be positive numbers of messages per second")
        return limits


class Unlimited:
    def acquire(self, domain: str, now: float) -> float:
        return 0.0
