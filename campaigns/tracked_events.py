"""An open or click as the public endpoint saw it, and its form as a Redis stream entry.

The endpoint appends it to the stream (one round trip) and answers; the ingest
consumer writes entries to ``email_events`` in batches. The entry id becomes the
row's ``stream_id``, so an entry delivered twice is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

STREAM = "nurture:tracking:events"
GROUP = "ingest"


@dataclass(frozen=True)
class TrackedEvent:
    send_id: int
    kind: str  # open, click
    occurred_at: datetime
    url: str | None = None
    user_agent: str | None = None
    ip: str | None = None
    stream_id: str | None = None  # set when read back from the stream

    def to_fields(self) -> dict[str, str | int]:
        micros = int(self.occurred_at.timestamp() * 1_000_000)
        return {"k": self.kind, "s": self.send_id, "t": micros, "u": self.url or "", "a": self.user_agent or "", "i": self.ip or ""}


def from_fields(entry_id: bytes | str, fields: Mapping[bytes, bytes]) -> TrackedEvent:
    """Decode a stream entry; raises ValueError (or KeyError) for one that is not ours."""
    text = {key.decode(): value.decode("utf-8", "replace") for key, value in fields.items()}
    kind = text["k"]
    if kind not in ("open", "click"):
        raise ValueError(f"unknown event kind {kind!r}")
    return TrackedEvent(
        send_id=int(text["s"]),
        kind=kind,
        occurred_at=datetime.fromtimestamp(int(text["t"]) / 1_000_000, UTC),
        url=text.get("u") or None,
        user_agent=text.get("a") or None,
        ip=text.get("i") or None,
        stream_id=entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
    )
