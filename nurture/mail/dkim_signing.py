"""Optional DKIM signing (dkimpy), when a key, selector and domain are configured."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dkim

SIGNED_HEADERS = [
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type",
    b"List-Unsubscribe", b"List-Unsubscribe-Post",
]  # fmt: skip


@dataclass(frozen=True)
class DkimKey:
    selector: str
    domain: str
    private_key: bytes

    def sign(self, raw: bytes) -> bytes:
        signature = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            self.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=SIGNED_HEADERS,
        )
        return signature + raw


@cache
def load_key(path: str, selector: str, domain: str) -> DkimKey:
    key = Path(path).read_bytes()
    if b"PRIVATE KEY" not in key:
        raise ValueError(f"{path} does not hold a PEM private key")
    return DkimKey(selector, domain, key)
