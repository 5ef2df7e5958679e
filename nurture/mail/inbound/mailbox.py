"""A mailbox to poll, from a URL: imaps://user:password@host:993/INBOX?move_to=Processed.

The URL comes from the environment (NURTURE_IMAP_URL), never the repository;
the password is kept out of every label, log line and checkpoint name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"imap": 143, "imaps": 993}


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    tls: bool
    starttls: bool
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    move_to: str | None = None  # processed messages go there; else they are flagged \Seen and $Nurture

    @property
    def label(self) -> str:
        return f"imap:{self.user}@{self.host}:{self.port}/{self.folder}"[:200]

    @property
    def checkpoint_prefix(self) -> str:
        return "imap:" + hashlib.sha256(self.label.encode()).hexdigest()[:24]


def parse_mailbox_url(url: str) -> MailboxConfig:
    """Parse one mailbox URL; ValueError (never showing the password) when it is unusable."""
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("A mailbox URL starts with imaps:// (TLS) or imap://")
    if not parts.hostname or parts.username is None or parts.password is None:
        raise ValueError(f"A mailbox URL needs user, password and host: {parts.scheme}://user:password@host/INBOX")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError(f"Bad port in the mailbox URL for {parts.hostname}") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return MailboxConfig(
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "imaps",
        starttls=parts.scheme == "imap" and query.get("starttls", "") in ("1", "true", "yes"),
        user=unquote(parts.username),
        password=unquote(parts.password),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        move_to=query.get("move_to") or None,
    )
