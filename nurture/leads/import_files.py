"""The files of an import started in the admin, under a random token: file names never come from the user.

``<token>.csv`` the upload (kept until the import succeeds, so a failed one can be retried),
``<token>.request.json`` what was asked (name, source, column mapping, who), ``<token>.json`` the
outcome, ``<token>.rejects.csv`` the rejected rows. The web process and the worker both find them
in the instance folder (shared storage when they run on different machines).
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"[0-9a-f]{32}")
SUFFIXES = {"upload": ".csv", "request": ".request.json", "outcome": ".json", "rejects": ".rejects.csv"}


def new_token() -> str:
    return secrets.token_hex(16)


def valid_token(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


class ImportFiles:
    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, token: str, kind: str) -> Path:
        if not valid_token(token):
            raise ValueError("Not an import token")
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{token}{SUFFIXES[kind]}"

    def write_json(self, token: str, kind: str, data: dict[str, Any]) -> None:
        path = self.path(token, kind)
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(data))
        partial.replace(path)  # readers never see half a file

    def read_json(self, token: str, kind: str) -> dict[str, Any] | None:
        path = self.path(token, kind)
        return json.loads(path.read_text()) if path.is_file() else None
