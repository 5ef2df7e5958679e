"""An admin's edits of the opportunity pipeline: add an open stage, rename, set its probability, reorder,
deactivate and reactivate — each one audited in definition_changes (subject ``pipeline_stage``).

Keys never change and rows are never deleted, so every opportunity's history keeps naming a stage that reads.
A stage open deals are in stays active (move them first), and exactly one active Closed Won and one active
Closed Lost stage remain (a deal always has somewhere to end), as does at least one open stage (new deals
start in the first one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.definition_audit import record_change
from nurture.errors import ValidationError
from nurture.keys import is_key, key_from_name
from nurture.leads.text import clean_text
from nurture.models import Opportunity, PipelineStage, StageOutcome, User

SUBJECT = "pipeline_stage"
KEY_LIMIT = 40  # pipeline_stages.key is VARCHAR(40)
KEY_RULE = "Lower-case letters, digits and _ (at most 40), starting with a letter"
PROBABILITY_RULE = "A whole number from 0 to 100"


def snapshot(stage: PipelineStage) -> dict[str, Any]:
    """The stage as the audit and the API show it."""
    return {"key": stage.key, "name": stage.name, "position": stage.position, "probability": stage.probability,
            "outcome": StageOutcome(stage.outcome).value, "active": stage.active}  # fmt: skip


def all_stages(session: Session) -> list[PipelineStage]:
    """Every stage in order, inactive ones too (they stay in place so reactivating restores them)."""
    return list(session.scalars(select(PipelineStage).order_by(PipelineStage.position, PipelineStage.id)))


def opportunity_counts(session: Session) -> dict[int, int]:
    """Deals per stage id: in an open stage they are the open deals."""
    rows = session.execute(select(Opportunity.stage_id, func.count()).group_by(Opportunity.stage_id))
    return {stage_id: count for stage_id, count in rows}


def parse_name(value: object) -> str:
    text, error = clean_text(value, 100)
    if error or not text:
        raise ValidationError({"name": error or "Required field missing"})
    return text


def parse_probability(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError({"probability": PROBABILITY_RULE})
    return value


def _renumber(stages: list[PipelineStage]) -> None:
    for index, stage in enumerate(stages, start=1):
        stage.position = index * 10


def _audit(session: Session, stage: PipelineStage, action: str, before: dict[str, Any] | None, actor: User | None, now: datetime) -> None:
    session.flush()
    record_change(session, SUBJECT, stage.key, action, before, snapshot(stage), actor, now)


def _collect(errors: dict[str, str], parse: Any, value: object) -> Any:
    try:
        return parse(value)
    except ValidationError as exc:
        errors |= exc.errors
        return None


def add_stage(session: Session, data: Mapping[str, Any], actor: User | None, now: datetime) -> PipelineStage:
    """A new open stage after the stage keyed ``after`` (else after the last open stage). Key: given, else from the name."""
    errors: dict[str, str] = {}
    name = _collect(errors, parse_name, data.get("name"))
    probability = _collect(errors, parse_probability, data.get("probability"))
    stages = all_stages(session)
    keys = [s.key for s in stages]
    raw_key = data.get("key")
    key = raw_key.strip() if isinstance(raw_key, str) and raw_key.strip() else key_from_name(name or "")
    if not is_key(key, KEY_LIMIT):
        errors.setdefault("key" if raw_key else "name", KEY_RULE if raw_key else "Needs a letter to make the stage's key from")
    elif key in keys:
        errors["key"] = "Taken (keys are never reused, even by inactive stages): give another key"
    after = data.get("after") or None
    if after is not None and after not in keys:
        errors["after"] = "One of " + ", ".join(keys)
    if errors:
        raise ValidationError(errors)
    stage = PipelineStage(key=key, name=name, probability=probability, outcome=StageOutcome.OPEN, active=True, position=0)
    session.add(stage)
    if after is None:
        open_indexes = [i for i, s in enumerate(stages) if s.outcome == StageOutcome.OPEN]
        index = open_indexes[-1] + 1 if open_indexes else 0
    else:
        index = keys.index(after) + 1
    stages.insert(index, stage)
    _renumber(stages)
    _audit(session, stage, "added", None, actor, now)
    return stage


def change_stage(session: Session, stage: PipelineStage, data: Mapping[str, Any], actor: User | None, now: datetime) -> bool:
    """A new name and/or probability (the fields given); False when nothing changed."""
    errors: dict[str, str] = {}
    values = {field: _collect(errors, parse, data[field])
              for field, parse in (("name", parse_name), ("probability", parse_probability)) if field in data}  # fmt: skip
    if errors:
        raise ValidationError(errors)
    before = snapshot(stage)
    for field, value in values.items():
        setattr(stage, field, value)
    after = snapshot(stage)
    if after == before:
        return False
    changed = {field for field in after if after[field] != before[field]}
    _audit(session, stage, "renamed" if changed == {"name"} else "changed", before, actor, now)
    return True


def move_stage(session: Session, stage: PipelineStage, offset: int, actor: User | None, now: datetime) -> None:
    """Swap with the neighbour above (-1) or below (+1)."""
    if offset not in (-1, 1):
        raise ValidationError({"move": "up or down"})
    stages = all_stages(session)
    index = stages.index(stage)
    other = index + offset
    if not 0 <= other < len(stages):
        raise ValidationError({"move": f"{stage.name} is already {'first' if offset < 0 else 'last'}"})
    before = snapshot(stage)
    stages[index], stages[other] = stages[other], stages[index]
    _renumber(stages)
    _audit(session, stage, "moved", before, actor, now)


def _active_like(session: Session, stage: PipelineStage) -> int:
    """Other active stages with this stage's outcome."""
    query = select(func.count()).select_from(PipelineStage).where(
        PipelineStage.outcome == stage.outcome, PipelineStage.active.is_(True), PipelineStage.id != stage.id
    )  # fmt: skip
    return session.scalar(query) or 0


def set_active(session: Session, stage: PipelineStage, active: bool, actor: User | None, now: datetime) -> bool:
    """Deactivate (no deal can move into it) or reactivate; False when it already was. Refusals name the reason."""
    if stage.active == active:
        return False
    outcome = StageOutcome(stage.outcome)
    if not active:
        in_it = session.scalar(select(func.count()).select_from(Opportunity).where(Opportunity.stage_id == stage.id)) or 0
        if outcome == StageOutcome.OPEN and in_it:
            raise ValidationError({"active": f"{in_it} open deal(s) are in {stage.name}: move them to another stage first"})
        if not _active_like(session, stage):
            word = {StageOutcome.OPEN: "open stage (new deals start in the first one)",
                    StageOutcome.WON: "Closed Won stage", StageOutcome.LOST: "Closed Lost stage"}[outcome]  # fmt: skip
            raise ValidationError({"active": f"{stage.name} is the only active {word}: the pipeline needs it"})
    elif outcome != StageOutcome.OPEN and _active_like(session, stage):
        word = "won" if outcome == StageOutcome.WON else "lost"
        raise ValidationError({"active": f"Another closed-{word} stage is active: exactly one may be (deactivate it first)"})
    before = snapshot(stage)
    stage.active = active
    _audit(session, stage, "reactivated" if active else "deactivated", before, actor, now)
    return True
