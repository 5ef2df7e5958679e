"""Parsing and validating sequence definitions (JSON, or YAML files) into typed steps.

Errors name the place: ``{"steps[2].subject": "Required field missing"}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from campaigns.cadence_options import parse_cadence_options
from campaigns.planner import Delay, DelayUnit, SendWindow
from campaigns.steps import (
    END,
    TASK_STEP_KINDS,
    ActionStep,
    BranchStep,
    Condition,
    EmailStep,
    EmailVariant,
    EntryRule,
    Goal,
    SequenceDefinition,
    Step,
    TaskStep,
    WaitStep,
)
from nurture.errors import ValidationError
from nurture.leads.status_values import KEY_RULE, status_key
from nurture.leads.text import has_control_chars
from nurture.leads.validation import ALL_FIELDS, normalize_email, validate_stage_key
from nurture.mail.templating import compile_email

MAX_STEPS = 100
STEP_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DAY_NAMES = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
CONDITION_TYPES = ("opened", "clicked", "not_opened", "not_clicked", "field")
FIELD_OPS = ("equals", "not_equals", "in", "exists", "gte", "lte")
ACTIONS = ("set_stage", "set_status", "add_tag", "notify_owner", "enroll", "exit", "add_score")
GOAL_TYPES = ("stage_reached", "replied", "clicked", "handed_to_sales")
REQUIRED = "Required field missing"
# Stages are data (Admin → Definitions): a step names one by key; a key no stage has is skipped when it runs.
STAGE_KEY = "A stage key (lower-case letters, digits and _), e.g. mql"


def _stage_key(value: object) -> bool:
    return isinstance(value, str) and validate_stage_key(value)[0] == value
STEP_TYPES = "email, wait, branch, action, call, social, task, manual_email"
DEFAULT_TITLES = {"call": "Call", "social": "Social touch", "manual_email": "Send an email"}
WINDOW_TIMEZONES = ("lead", "rep")


class _Errors(dict[str, str]):
    def need(self, data: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
        value = data.get(key)
        if value is None or value == "":
            self[f"{where}.{key}"] = REQUIRED
            return None
        if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
            self[f"{where}.{key}"] = "Wrong type"
            return None
        return value


def _parse_time(value: Any) -> time | None:
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value):
        hours, minutes = map(int, value.split(":"))
        if hours == 24 and minutes == 0:
            return time(23, 59, 59, 999999)
        if 0 <= hours < 24 and 0 <= minutes < 60:
            return time(hours, minutes)
    return None


def parse_window(data: Any, errors: _Errors) -> SendWindow | None:
    if data in (None, {}):
        return None
    if not isinstance(data, Mapping):
        errors["send_window"] = "Must be an object with days, start and end"
        return None
    days: set[int] = set()
    for day in data.get("days") or ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]:
        number = DAY_NAMES.get(str(day).lower()[:3]) if isinstance(day, str) else day
        if not isinstance(number, int) or not 1 <= number <= 7:
            errors["send_window.days"] = "Days are mon…sun or 1 (Monday) … 7 (Sunday)"
            return None
        days.add(number)
    start, end = _parse_time(data.get("start", "00:00")), _parse_time(data.get("end", "24:00"))
    if start is None or end is None:
        errors["send_window"] = "start and end are HH:MM local times"
        return None
    try:
        return SendWindow(frozenset(days), start, end, bool(data.get("skip_holidays", True)))
    except ValueError as exc:
        errors["send_window"] = str(exc)
        return None


def _parse_email(data: Mapping[str, Any], where: str, errors: _Errors, layout: str | None) -> tuple[EmailVariant, ...]:
    raw_variants = data.get("variants") or [data]
    if not isinstance(raw_variants, list) or len(raw_variants) > 5:
        errors[f"{where}.variants"] = "A list of at most 5 variants"
        return ()
    variants = []
    for index, raw in enumerate(raw_variants):
        vwhere = f"{where}.variants[{index}]" if "variants" in data else where
        if not isinstance(raw, Mapping):
            errors[vwhere] = "Must be an object"
            continue
        subject = errors.need(raw, "subject", vwhere)
        html = errors.need(raw, "html", vwhere)
        text = raw.get("text")
        weight = raw.get("weight", 1)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            errors[f"{vwhere}.weight"] = "A whole number from 0 to 100"
            continue
        if subject is None or html is None:
            continue
        try:
            compile_email(subject, html, text if isinstance(text, str) else None, layout)
        except ValidationError as exc:
            errors.update({f"{vwhere}.{k}": v for k, v in exc.errors.items()})
            continue
        variants.append(EmailVariant(str(raw.get("id") or chr(ord("a") + index)), subject, html, text, weight))
    if variants and sum(v.weight for v in variants) == 0:
        errors[f"{where}.variants"] = "At least one variant needs a weight above 0"
    return tuple(variants)


def _parse_condition(data: Any, where: str, errors: _Errors) -> Condition | None:
    if not isinstance(data, Mapping) or data.get("type") not in CONDITION_TYPES:
        errors[f"{where}.condition"] = "A condition of type " + ", ".join(CONDITION_TYPES)
        return None
    kind = data["type"]
    if kind == "field":
        field_name = data.get("field")
        op = data.get("op", "equals")
        if field_name not in (*ALL_FIELDS, "score", "custom") and not str(field_name).startswith("custom."):
            errors[f"{where}.condition.field"] = "Unknown lead field"
            return None
        if op not in FIELD_OPS:
            errors[f"{where}.condition.op"] = "One of " + ", ".join(FIELD_OPS)
            return None
        return Condition(kind, field=field_name, op=op, value=data.get("value"))
    within = data.get("within_days")
    if within is not None and (not isinstance(within, int) or isinstance(within, bool) or within < 0):
        errors[f"{where}.condition.within_days"] = "A whole number of days"
        return None
    return Condition(kind, step=data.get("step"), within_days=within)


def _parse_action(data: Mapping[str, Any], where: str, errors: _Errors) -> dict[str, Any] | None:
    action = data.get("action")
    if action not in ACTIONS:
        errors[f"{where}.action"] = "One of " + ", ".join(ACTIONS)
        return None
    params = {k: v for k, v in data.items() if k not in ("id", "type", "action", "next")}
    if action == "set_stage" and not _stage_key(params.get("stage")):
        errors[f"{where}.stage"] = STAGE_KEY
    if action == "set_status" and status_key(params.get("status"))[0] != params.get("status"):
        # The admin's status values live in the database: a key unknown when the step runs is skipped, on the timeline.
        errors[f"{where}.status"] = "A status key (" + KEY_RULE.lower() + ")"
    if action == "add_tag" and not (isinstance(params.get("tag"), str) and 0 < len(params["tag"]) <= 64):
        errors[f"{where}.tag"] = REQUIRED
    if action == "enroll" and not isinstance(params.get("sequence"), str | int):
        errors[f"{where}.sequence"] = "The name or id of the sequence to enroll in"
    if action == "add_score" and not (isinstance(params.get("points"), int) and not isinstance(params["points"], bool)):
        errors[f"{where}.points"] = "A whole number of points"
    return params


def _flag(data: Mapping[str, Any], key: str, where: str, errors: _Errors) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        errors[f"{where}.{key}"] = "true or false"
        return False
    return value


def _short_text(data: Mapping[str, Any], key: str, where: str, errors: _Errors, limit: int, *, one_line: bool = True) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit or (one_line and has_control_chars(value)):
        errors[f"{where}.{key}"] = f"Text of at most {limit} characters" + (" on one line" if one_line else "")
        return None
    return value.strip() or None


def _parse_task_step(data: Mapping[str, Any], step_id: str, where: str, errors: _Errors, layout: str | None) -> TaskStep | None:
    kind = data["type"]
    title = _short_text(data, "title", where, errors, 300)
    if title is None and kind == "task":
        errors.setdefault(f"{where}.title", REQUIRED)
    network = _short_text(data, "network", where, errors, 50) if kind == "social" else None
    if kind == "social" and title is None and network:
        title = f"{network} touch"
    instructions = _short_text(data, "instructions", where, errors, 5000, one_line=False)
    variants: tuple[EmailVariant, ...] = ()
    if kind == "manual_email":
        if "variants" in data:
            errors[f"{where}.variants"] = "A manual email has one template (subject, html, text)"
            return None
        variants = _parse_email(data, where, errors, layout)
        if not variants:
            return None
    thread = _flag(data, "thread", where, errors) if kind == "manual_email" else False
    wait = _flag(data, "wait_for_previous_task", where, errors)
    if f"{where}.title" in errors:
        return None
    return TaskStep(step_id, kind, title or DEFAULT_TITLES[kind], instructions, network, variants, data.get("next"), thread, wait)


def _parse_step(data: Any, index: int, errors: _Errors, layout: str | None) -> Step | None:
    where = f"steps[{index}]"
    if not isinstance(data, Mapping):
        errors[where] = "Must be an object"
        return None
    step_id = str(data.get("id") or f"step-{index + 1}")
    if not STEP_ID.match(step_id) or step_id == END:
        errors[f"{where}.id"] = "Lower-case letters, digits, - and _ (at most 64), not 'end'"
        return None
    next_id = data.get("next")
    kind = data.get("type")
    if kind == "email":
        variants = _parse_email(data, where, errors, layout)
        thread, wait = _flag(data, "thread", where, errors), _flag(data, "wait_for_previous_task", where, errors)
        return EmailStep(step_id, variants, next_id, thread=thread, wait_for_previous_task=wait) if variants else None
    if kind in TASK_STEP_KINDS:
        return _parse_task_step(data, step_id, where, errors, layout)
    if kind == "wait":
        amount = errors.need(data, "amount", where, int)
        unit = data.get("unit", "days")
        if unit not in {u.value for u in DelayUnit}:
            errors[f"{where}.unit"] = "One of " + ", ".join(u.value for u in DelayUnit)
            return None
        if amount is None or amount < 0 or amount > 3650:
            errors.setdefault(f"{where}.amount", "A whole number from 0 to 3650")
            return None
        return WaitStep(step_id, Delay(amount, DelayUnit(unit)), next_id)
    if kind == "branch":
        condition = _parse_condition(data.get("condition"), where, errors)
        then, otherwise = data.get("then"), data.get("else")
        if not isinstance(then, str) or not isinstance(otherwise, str):
            errors[f"{where}.then"] = "A branch needs 'then' and 'else' step ids ('end' ends the sequence)"
            return None
        return BranchStep(step_id, condition, then, otherwise, next_id) if condition else None
    if kind == "action":
        params = _parse_action(data, where, errors)
        return ActionStep(step_id, data["action"], params, next_id) if params is not None else None
    errors[f"{where}.type"] = "One of " + STEP_TYPES
    return None


def _check_references(steps: list[Step], errors: _Errors) -> None:
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        errors["steps"] = "Step ids must be unique"
        return
    known = set(ids) | {END}
    email_ids = {s.id for s in steps if isinstance(s, EmailStep)}
    for index, step in enumerate(steps):
        waits = isinstance(step, EmailStep | TaskStep) and step.wait_for_previous_task
        if waits and not any(isinstance(s, TaskStep) for s in steps[:index]):
            errors[f"steps[{index}].wait_for_previous_task"] = "No task step (call, social, task, manual_email) comes before this one"
        targets = [step.next] if step.next else []
        if isinstance(step, BranchStep):
            targets += [step.then, step.otherwise]
            if step.condition.type != "field" and step.condition.step not in email_ids:
                errors[f"steps[{index}].condition.step"] = "Must name an email step of this sequence"
        for target in targets:
            if target not in known:
                errors[f"steps[{index}].next"] = f"Unknown step '{target}'"


def parse_definition(data: Any) -> SequenceDefinition:
    """Validate a definition; raise ValidationError listing every problem."""
    errors = _Errors()
    if not isinstance(data, Mapping):
        raise ValidationError({"definition": "Must be an object"})
    layout = data.get("layout")
    if layout is not None and not isinstance(layout, str):
        errors["layout"] = "Must be text (HTML with {{ content }})"
        layout = None
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        errors["steps"] = "At least one step is required"
        raw_steps = []
    if len(raw_steps) > MAX_STEPS:
        errors["steps"] = f"At most {MAX_STEPS} steps"
        raw_steps = []
    steps = [s for i, raw in enumerate(raw_steps) if (s := _parse_step(raw, i, errors, layout)) is not None]
    if not errors:
        _check_references(steps, errors)
    window = parse_window(data.get("send_window"), errors)
    goals = []
    for index, goal in enumerate(data.get("goals") or []):
        if not isinstance(goal, Mapping) or goal.get("type") not in GOAL_TYPES:
            errors[f"goals[{index}]"] = "A goal of type " + ", ".join(GOAL_TYPES)
            continue
        if goal["type"] == "stage_reached" and not _stage_key(goal.get("stage")):
            errors[f"goals[{index}].stage"] = STAGE_KEY
            continue
        goals.append(Goal(goal["type"], goal.get("stage")))
    rules = []
    for index, rule in enumerate(data.get("entry_rules") or []):
        if not isinstance(rule, Mapping) or not set(rule) <= {"source", "form", "field", "equals"} or not rule:
            errors[f"entry_rules[{index}]"] = "A rule with source, form, or field and equals"
            continue
        rules.append(EntryRule(rule.get("source"), rule.get("form"), rule.get("field"), rule.get("equals")))
    from_email = data.get("from_email")
    if from_email is not None:
        from_email, error = normalize_email(from_email)
        if error:
            errors["from_email"] = error
    from_name = data.get("from_name")
    if from_name is not None and (not isinstance(from_name, str) or len(from_name) > 100 or "\n" in from_name):
        errors["from_name"] = "Text of at most 100 characters on one line"
    topic = data.get("topic")
    if topic is not None and (not isinstance(topic, str) or not 0 < len(topic.strip()) <= 64 or has_control_chars(topic)):
        errors["topic"] = "Text of 1 to 64 characters on one line, e.g. newsletter"
    timezone = _parse_timezone(data.get("timezone"), errors)
    cadence = parse_cadence_options(data, errors)
    window_timezone = data.get("window_timezone", "lead")
    if window_timezone not in WINDOW_TIMEZONES:
        errors["window_timezone"] = "lead (the lead's timezone) or rep (the owner's mailbox timezone)"
    if errors:
        raise ValidationError(dict(errors))
    topic = topic.strip() if topic else None
    return SequenceDefinition(
        tuple(steps), window, tuple(goals), tuple(rules), from_name, from_email, layout, topic=topic, timezone=timezone,
        cadence=cadence,
        window_timezone=window_timezone,
    )


def _parse_timezone(value: Any, errors: _Errors) -> str | None:
    """The fallback timezone for leads without one: an IANA name such as Europe/Berlin."""
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str) or len(value) > 64:
            raise ValueError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = "An IANA timezone such as Europe/Berlin or America/New_York"
        return None
    return value
