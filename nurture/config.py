"""Settings, read once from the environment and passed explicitly."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with embedded defaults.

    ``redis_url`` / ``smtp_url`` left as ``None`` mean "embedded": an embedded
    Redis started by ``nurture up`` and mail kept in the local outbox.
    """

    database_url: str
    redis_url: str | None = None
    smtp_url: str | None = None
    secret_key: str = ""
    base_url: str = DEFAULT_BASE_URL
    instance_path: Path = field(default_factory=lambda: Path.cwd() / "instance")
    max_body_bytes: int = 1_000_000
    form_rate_limit: str = "30 per minute"
    default_timezone: str = "UTC"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, instance_path: Path | None = None) -> Settings:
        env = os.environ if environ is None else environ
        instance = Path(env.get("NURTURE_INSTANCE_PATH") or instance_path or Path.cwd() / "instance")
        database_url = env.get("NURTURE_DATABASE_URL") or f"sqlite:///{instance / 'nurture.db'}"
        secret = env.get("NURTURE_SECRET_KEY") or _instance_secret(instance)
        return cls(
            database_url=database_url,
            redis_url=env.get("NURTURE_REDIS_URL") or None,
            smtp_url=env.get("NURTURE_SMTP_URL") or None,
            secret_key=secret,
            base_url=(env.get("NURTURE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            instance_path=instance,
            form_rate_limit=env.get("NURTURE_FORM_RATE_LIMIT") or cls.form_rate_limit,
            default_timezone=env.get("NURTURE_DEFAULT_TIMEZONE") or cls.default_timezone,
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in instance/, so none lives in the repo."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of this installation won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    return secret
