"""Signed tracking tokens: a different salt per purpose, so one can never be replayed as another.

The signature is checked before anything touches the database; a click token
carries the URL that was in the sent message, so a click can only ever
redirect there (no open redirect).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib
from dataclasses import dataclass
from enum import StrEnum
from json.encoder import encode_basestring  # what ensure_ascii=False uses for strings
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from itsdangerous.encoding import base64_encode

MAX_TOKEN_LENGTH = 4096


class Purpose(StrEnum):
    OPEN = "nurture.open"
    CLICK = "nurture.click"
    UNSUBSCRIBE = "nurture.unsubscribe"
    # The preferences form posts with its own token: an unsubscribe link alone cannot change topics.
    PREFERENCES = "nurture.preferences"


@dataclass(frozen=True)
class ClickTarget:
    send_id: int
    url: str


# itsdangerous' compact JSON; its ``dumps`` builds a new encoder on every call.
_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# A payload shorter than this (a send id; [send id, url] for a usual link) is signed uncompressed, whatever
# zlib might save on it (a few dozen bytes at most): zlib.compress spends 5-12 us a call setting up its state, and a
# message carries three click tokens. Longer ones (long URLs) are compressed where that is 2+ bytes shorter,
# as itsdangerous does. Either way the token is itsdangerous' format, which reads both forms.
COMPRESS_FROM = 128


def _compact(payload: Any) -> str:
    """The compact JSON of a tracking payload; a send id, and [send id, url], spelled directly (the same text)."""
    if type(payload) is int:
        return str(payload)
    if type(payload) is list and len(payload) == 2 and type(payload[0]) is int and type(payload[1]) is str:
        return f"[{payload[0]},{encode_basestring(payload[1])}]"
    return _compact_json(payload)


def _url_safe_payload(payload: Any) -> bytes:
    """``URLSafeSerializer.dump_payload``, step by step: compact JSON, zlib when that is shorter (and the
    JSON not short, see COMPRESS_FROM), base64."""
    data = _compact(payload).encode("utf-8")
    if len(data) < COMPRESS_FROM:
        return base64_encode(data)
    compressed = zlib.compress(data)
    if len(compressed) < len(data) - 1:
        return b"." + base64_encode(compressed)
    return base64_encode(data)


class TokenSigner:
    def __init__(self, secret_key: str):
        if not secret_key:
            raise ValueError("a secret key is required to sign tracking tokens")
        self._serializers = {p: URLSafeSerializer(secret_key, salt=p.value) for p in Purpose}
        # A message carries ~5 tokens. itsdangerous builds a signer and derives its key on every
        # dumps (a third of the cost): the same bytes come from an HMAC keyed once per purpose.
        self._macs = {p: hmac.new(s.make_signer().derive_key(), digestmod=hashlib.sha1) for p, s in self._serializers.items()}

    def _dumps(self, purpose: Purpose, payload: Any) -> str:
        """``URLSafeSerializer.dumps``' format (the default signer: HMAC-SHA1); the same string, but that
        a short payload is never compressed (COMPRESS_FROM)."""
        body = _url_safe_payload(payload)
        mac = self._macs[purpose].copy()
        mac.update(body)
        return (body + b"." + base64_encode(mac.digest())).decode()

    def _loads(self, purpose: Purpose, token: str) -> Any:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        serializer = self._serializers[purpose]
        try:
            value = serializer.loads(token)
        except (BadSignature, UnicodeDecodeError, ValueError):
            return None
        # Base64 ignores the spare low bits of the last character: without this check a
        # token edited there would still verify. Only a canonical spelling is accepted: ours, or
        # itsdangerous' own (a short payload compressed: tokens signed before COMPRESS_FROM).
        if token == self._dumps(purpose, value) or token == serializer.dumps(value):  # ours first: cheaper
            return value
        return None

    def open_token(self, send_id: int) -> str:
        return self._dumps(Purpose.OPEN, send_id)

    def click_token(self, send_id: int, url: str) -> str:
        return self._dumps(Purpose.CLICK, [send_id, url])

    def unsubscribe_token(self, send_id: int) -> str:
        return self._dumps(Purpose.UNSUBSCRIBE, send_id)

    def preferences_token(self, send_id: int) -> str:
        return self._dumps(Purpose.PREFERENCES, send_id)

    def _read_id(self, purpose: Purpose, token: str) -> int | None:
        value = self._loads(purpose, token)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def read_open(self, token: str) -> int | None:
        return self._read_id(Purpose.OPEN, token)

    def read_click(self, token: str) -> ClickTarget | None:
        value = self._loads(Purpose.CLICK, token)
        if (
            isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], int)
            and isinstance(value[1], str)
            and value[1].startswith(("http://", "https://"))
        ):
            return ClickTarget(value[0], value[1])
        return None

    def read_unsubscribe(self, token: str) -> int | None:
        return self._read_id(Purpose.UNSUBSCRIBE, token)

    def read_preferences(self, token: str) -> int | None:
        return self._read_id(Purpose.PREFERENCES, token)
