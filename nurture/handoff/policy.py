"""The policy in force: scoring rules and thresholds, versioned in the database (the latest row wins).

Loading costs one small query for the latest id and digest; a version's
documents are validated once and then cached under both (rows are never
updated; the digest also guards against an id reused after a rollback).
With nothing saved, the defaults in code apply.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.handoff.thresholds import Thresholds
from nurture.models import PolicyVersion, User
from nurture.scoring.band_changes import apply_band_change
from nurture.scoring.rules import ScoringRules

_CACHE_SIZE = 16
_cache: dict[tuple[int, str], Policy] = {}


@dataclass(frozen=True)
class Policy:
    rules: ScoringRules
    thresholds: Thresholds
    version_id: int | None = None  # None: the defaults in code


def parse_policy(rules: Mapping[str, Any], thresholds: Mapping[str, Any], version_id: int | None = None) -> Policy:
    """Both halves validated together, so every bad field is reported at once (keys prefixed by half)."""
    errors: dict[str, str] = {}
    parsed: list[Any] = []
    for prefix, parse, data in (("rules", ScoringRules.from_dict, rules), ("thresholds", Thresholds.from_dict, thresholds)):
        try:
            parsed.append(parse(data))
        except ValidationError as exc:
            errors |= {f"{prefix}.{key}": message for key, message in exc.errors.items()}
    if errors:
        raise ValidationError(errors)
    return Policy(parsed[0], parsed[1], version_id)


def current_policy(session: Session) -> Policy:
    latest = session.execute(select(PolicyVersion.id, PolicyVersion.digest).order_by(PolicyVersion.id.desc()).limit(1)).first()
    if latest is None:
        return Policy(ScoringRules(), Thresholds())
    key = (latest.id, latest.digest)
    cached = _cache.get(key)
    if cached is None:
        row = session.get(PolicyVersion, latest.id)
        assert row is not None
        cached = parse_policy(row.rules, row.thresholds, row.id)
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = cached
    return cached


def digest(rules: Mapping[str, Any], thresholds: Mapping[str, Any]) -> str:
    document = json.dumps({"rules": rules, "thresholds": thresholds}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(document.encode()).hexdigest()


def save_policy(
    session: Session, rules: Mapping[str, Any], thresholds: Mapping[str, Any], actor: User | None, now: datetime, note: str = ""
) -> PolicyVersion:
    """Validate and store a new version (raises ValidationError, storing nothing); the caller commits."""
    policy = parse_policy(rules, thresholds)
    before = current_policy(session)
    stored_rules, stored_thresholds = policy.rules.to_dict(), policy.thresholds.to_dict()
    row = PolicyVersion(
        rules=stored_rules, thresholds=stored_thresholds, digest=digest(stored_rules, stored_thresholds), note=note.strip()[:200],
        created_by_user_id=actor.id if actor else None, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    apply_band_change(session, before.rules, policy.rules, row.id, actor, now)
    return row


def policy_history(session: Session, limit: int = 50) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(limit)))
