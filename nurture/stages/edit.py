"""An admin's edits of the stage definitions: add, rename and describe, reorder, retire — each one audited.

Keys never change (leads and their history store them). The built-in stages the code moves leads to by key
(lead, mql, sql, opportunity, customer: capture, the handoff, qualification, Closed Won, recycling) keep their
relative order and cannot be retired; subscriber, and every stage an admin adds, can.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.keys import is_key, key_from_name
from nurture.leads.text import clean_text
from nurture.models import Lead, LifecycleStage, OwnerTeam, Stage, StageChange, User
from nurture.stages.criteria import Criteria

BUILT_IN = tuple(s.value for s in LifecycleStage if s != LifecycleStage.SUBSCRIBER)
MAX_AGE_LIMIT = 3650


def snapshot(stage: Stage) -> dict[str, Any]:
    """The stage as the audit and the API show it."""
    return {
        "key": stage.key, "name": stage.name, "definition": stage.definition, "owner_team": OwnerTeam(stage.owner_team).value,
        "position": stage.position, "criteria": dict(stage.criteria or {}), "max_age_days": stage.max_age_days,
        "retired": stage.retired_at is not None,
    }  # fmt: skip


def ordered(session: Session) -> list[Stage]:
    return list(session.scalars(select(Stage).order_by(Stage.position, Stage.id)))


def _audit(session: Session, stage: Stage, action: str, before: dict[str, Any] | None, actor: User | None) -> None:
    session.flush()
    session.add(StageChange(stage_key=stage.key, action=action, before=before, after=snapshot(stage),
                            actor_user_id=actor.id if actor else None, created_at=utcnow()))  # fmt: skip


def _renumber(stages: list[Stage]) -> None:
    for index, stage in enumerate(stages, start=1):
        stage.position = index * 10


def parse_fields(data: Mapping[str, Any], partial: bool) -> dict[str, Any]:
    """Validated values of the editable fields given; errors per field (``criteria.<name>`` for the criteria)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if "name" in data or not partial:
        name, error = clean_text(data.get("name"), 100)
        if error or not name:
            errors["name"] = error or "Required field missing"
        values["name"] = name
    if "definition" in data:
        definition, error = clean_text(data.get("definition") or "", 2000)
        if error:
            errors["definition"] = error
        values["definition"] = definition or ""
    if "owner_team" in data or not partial:
        team = data.get("owner_team")
        if team not in [t.value for t in OwnerTeam]:
            errors["owner_team"] = "marketing or sales"
        values["owner_team"] = team
    if "max_age_days" in data:
        raw = data.get("max_age_days")
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, ""):
            values["max_age_days"] = None
        elif (str(raw).isdigit() and 1 <= int(raw) <= MAX_AGE_LIMIT) and not isinstance(raw, bool | float):
            values["max_age_days"] = int(raw)
        else:
            errors["max_age_days"] = f"A whole number of days from 1 to {MAX_AGE_LIMIT}, or empty (no maximum)"
    if "criteria" in data:
        raw_criteria = data.get("criteria") or {}
        try:
            if not isinstance(raw_criteria, Mapping):
                raise ValidationError({"": "An object: score, min_engagement, min_fit, signals, fields"})
            values["criteria"] = Criteria.from_dict(raw_criteria).to_dict()
        except ValidationError as exc:
            errors |= {f"criteria.{key}".rstrip("."): message for key, message in exc.errors.items()}
    if errors:
        raise ValidationError(errors)
    return values


def create_stage(session: Session, data: Mapping[str, Any], actor: User | None) -> Stage:
    """A new stage, placed after the stage keyed ``after`` (else last)."""
    values = parse_fields(data, partial=False)
    stages = ordered(session)
    key = str(data.get("key") or "").strip() or key_from_name(str(values["name"]))
    errors = {}
    if not is_key(key):
        errors["key"] = "Lower-case letters, digits and _ (at most 32), starting with a letter"
    elif any(s.key == key for s in stages):
        errors["key"] = "A stage with this key exists (keys are never reused, even retired ones)"
    after = data.get("after") or None
    keys = [s.key for s in stages]
    if after is not None and after not in keys:
        errors["after"] = "One of " + ", ".join(keys)
    if errors:
        raise ValidationError(errors)
    stage = Stage(key=key, **{"definition": "", "criteria": {}, "max_age_days": None, **values}, position=0)
    session.add(stage)
    stages.insert(keys.index(after) + 1 if after else len(stages), stage)
    _renumber(stages)
    _audit(session, stage, "created", None, actor)
    return stage


def update_stage(session: Session, stage: Stage, data: Mapping[str, Any], actor: User | None) -> Stage:
    before = snapshot(stage)
    values = parse_fields(data, partial=True)
    for name, value in values.items():
        setattr(stage, name, value)
    if snapshot(stage) != before:
        _audit(session, stage, "updated", before, actor)
    return stage


def move_stage(session: Session, stage: Stage, offset: int, actor: User | None) -> None:
    """Swap with the neighbour above (-1) or below (+1); the built-in stages keep their relative order."""
    stages = ordered(session)
    index = stages.index(stage)
    other = index + offset
    if not 0 <= other < len(stages) or offset not in (-1, 1):
        return
    if stage.key in BUILT_IN and stages[other].key in BUILT_IN:
        raise ValidationError({"position": f"{stages[other].name} and {stage.name} are built-in stages: they keep their order"})
    before = snapshot(stage)
    stages[index], stages[other] = stages[other], stages[index]
    _renumber(stages)
    _audit(session, stage, "moved", before, actor)


def leads_in(session: Session, key: str) -> int:
    return session.scalar(select(func.count()).select_from(Lead).where(Lead.lifecycle_stage == key)) or 0


def retire_stage(session: Session, stage: Stage, actor: User | None, now: datetime | None = None) -> None:
    """Only a stage no lead is in; its row stays so the history that names it still reads."""
    if stage.key in BUILT_IN:
        raise ValidationError({"stage": f"{stage.name} is a built-in stage (capture, the handoff, qualification or a won deal uses it): rename it instead"})
    count = leads_in(session, stage.key)
    if count:
        raise ValidationError({"stage": f"{count} lead(s) are in {stage.name}: a stage retires only when it is empty"})
    before = snapshot(stage)
    stage.retired_at = now or utcnow()
    _audit(session, stage, "retired", before, actor)


def restore_stage(session: Session, stage: Stage, actor: User | None) -> None:
    before = snapshot(stage)
    stage.retired_at = None
    _audit(session, stage, "restored", before, actor)
