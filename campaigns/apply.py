"""``nurture campaigns apply PATH``: sequences kept as YAML or JSON files, applied idempotently.

A file holds one sequence: ``name``, optional ``kind``, ``reenroll`` and
``status`` (draft, active, paused), and its ``definition``. Applying creates it,
or adds a version only when the definition changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Sequence, SequenceStatus, SequenceVersion
from campaigns.sequences import activate, create_sequence, pause, update_sequence
from nurture.db.base import utcnow
from nurture.errors import ValidationError


@dataclass(frozen=True)
class Applied:
    path: Path
    name: str
    action: str  # created, new version, unchanged


def load_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValidationError({"file": f"{path.name}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"}) from None
    if not isinstance(data, dict):
        raise ValidationError({"file": f"{path.name}: must hold one sequence (a mapping)"})
    return data


def sequence_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    return [path]


def apply_file(session: Session, path: Path) -> Applied:
    data = load_file(path)
    status = data.pop("status", None)
    if status not in (None, "draft", "active", "paused"):
        raise ValidationError({"status": "One of draft, active, paused"})
    existing = session.scalar(select(Sequence).where(Sequence.name == data.get("name")))
    if existing is None:
        sequence, action = create_sequence(session, data), "created"
    else:
        sequence = existing
        current = session.get(SequenceVersion, existing.current_version_id) if existing.current_version_id else None
        if current is not None and current.definition == data.get("definition"):
            data.pop("definition", None)
        version = update_sequence(session, existing, data)
        action = "new version" if version else "unchanged"
    if status == "active" and sequence.status != SequenceStatus.ACTIVE:
        activate(session, sequence, utcnow())
    elif status == "paused" and sequence.status == SequenceStatus.ACTIVE:
        pause(session, sequence, utcnow())
    session.commit()
    return Applied(path, sequence.name, action)
