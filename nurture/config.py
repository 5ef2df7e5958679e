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
    # Per client IP on the tracking and unsubscribe endpoints (mail gateways fetch from few IPs: keep it generous).
    public_rate_limit: str = "600 per minute"
    default_timezone: str = "UTC"
    # Sender identity and the postal address every marketing email must show.
    sender_email: str = "news@example.com"
    sender_name: str = "Nurture"
    postal_address: str = "Set NURTURE_POSTAL_ADDRESS: your company's postal address"
    # At most this many marketing emails per lead in any 24 hours (0: no cap); more wait, never drop.
    frequency_cap_per_day: int = 1
    # Sending: enrollments claimed per batch, and the leases that make crashed work visible.
    # Enrollments a send job runs. A batch has its own costs (loads, ledger rows, the WAL copied back
    # at its end); 500 sent ~8% more a second than 250 with two workers (bench/RESULTS.md).
    batch_size: int = 500
    claim_lease_seconds: float = 300.0
    send_lease_seconds: float = 120.0
    retry_backoff_seconds: tuple[float, ...] = (60.0, 300.0, 900.0, 3600.0, 14400.0)
    smtp_timeout_seconds: float = 20.0
    # Sending rate limits: messages per second overall, and per recipient domain ("gmail.com=20,*=50").
    rate_limit_per_second: str | None = None
    domain_rate_limits: str | None = None
    # DKIM signing of sequence emails, when all three are set.
    dkim_key_file: str | None = None
    dkim_selector: str | None = None
    dkim_domain: str | None = None
    # The nurture sequence (by name) that disqualified leads are re-enrolled in; None: no recycling sequence.
    recycle_sequence: str | None = None
    # The sales cadence (by name) a lead handed to a rep starts in; None: none.
    sales_cadence: str | None = None
    # Inbound mail (replies, bounces): IMAP mailboxes to poll ("imaps://user:pass@host:993/INBOX", several
    # separated by spaces), how often, the largest message accepted, and soft bounces tolerated per window.
    imap_urls: tuple[str, ...] = ()
    imap_poll_seconds: float = 60.0
    inbound_max_bytes: int = 10_000_000
    soft_bounce_limit: int = 3
    soft_bounce_window_days: float = 30.0
    # An out-of-office reply without a return date pauses the lead's cadences this many days.
    ooo_pause_days: float = 7.0
    # Tracked opens and clicks held this long by a consumer that died are taken over by another.
    ingest_claim_idle_seconds: float = 10.0
    # The deals report's advice: an average won deal at or above high favours fewer, deeper touches; at or below low, volume.
    deal_size_high: float = 10_000.0
    deal_size_low: float = 1_000.0
    # The stuck report: an SQL this many days old with neither an opportunity nor a disqualification is stuck.
    stuck_sql_days: int = 14
    # Test instrumentation: "point:n" kills the worker at the n-th pass of a fault point.
    fault: str | None = None

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
            public_rate_limit=env.get("NURTURE_PUBLIC_RATE_LIMIT") or cls.public_rate_limit,
            default_timezone=env.get("NURTURE_DEFAULT_TIMEZONE") or cls.default_timezone,
            sender_email=env.get("NURTURE_SENDER_EMAIL") or cls.sender_email,
            sender_name=env.get("NURTURE_SENDER_NAME") or cls.sender_name,
            postal_address=env.get("NURTURE_POSTAL_ADDRESS") or cls.postal_address,
            frequency_cap_per_day=int(env.get("NURTURE_FREQUENCY_CAP_PER_DAY") or cls.frequency_cap_per_day),
            batch_size=int(env.get("NURTURE_BATCH_SIZE") or cls.batch_size),
            claim_lease_seconds=float(env.get("NURTURE_CLAIM_LEASE_SECONDS") or cls.claim_lease_seconds),
            send_lease_seconds=float(env.get("NURTURE_SEND_LEASE_SECONDS") or cls.send_lease_seconds),
            retry_backoff_seconds=tuple(
                float(x) for x in (env.get("NURTURE_RETRY_BACKOFF_SECONDS") or "60,300,900,3600,14400").split(",")
            ),
            fault=env.get("NURTURE_FAULT") or None,
            imap_urls=tuple((env.get("NURTURE_IMAP_URL") or "").replace(",", " ").split()),
            imap_poll_seconds=float(env.get("NURTURE_IMAP_POLL_SECONDS") or cls.imap_poll_seconds),
            inbound_max_bytes=int(env.get("NURTURE_INBOUND_MAX_BYTES") or cls.inbound_max_bytes),
            soft_bounce_limit=int(env.get("NURTURE_SOFT_BOUNCE_LIMIT") or cls.soft_bounce_limit),
            soft_bounce_window_days=float(env.get("NURTURE_SOFT_BOUNCE_WINDOW_DAYS") or cls.soft_bounce_window_days),
            ooo_pause_days=float(env.get("NURTURE_OOO_PAUSE_DAYS") or cls.ooo_pause_days),
            ingest_claim_idle_seconds=float(env.get("NURTURE_INGEST_CLAIM_IDLE_SECONDS") or cls.ingest_claim_idle_seconds),
            rate_limit_per_second=env.get("NURTURE_RATE_LIMIT_PER_SECOND") or None,
            domain_rate_limits=env.get("NURTURE_DOMAIN_RATE_LIMITS") or None,
            dkim_key_file=env.get("NURTURE_DKIM_KEY_FILE") or None,
            dkim_selector=env.get("NURTURE_DKIM_SELECTOR") or None,
            dkim_domain=env.get("NURTURE_DKIM_DOMAIN") or None,
            recycle_sequence=env.get("NURTURE_RECYCLE_SEQUENCE") or None,
            sales_cadence=env.get("NURTURE_SALES_CADENCE") or None,
            deal_size_high=float(env.get("NURTURE_DEAL_SIZE_HIGH") or cls.deal_size_high),
            deal_size_low=float(env.get("NURTURE_DEAL_SIZE_LOW") or cls.deal_size_low),
            stuck_sql_days=int(env.get("NURTURE_STUCK_SQL_DAYS") or cls.stuck_sql_days),
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
