"""The builder's form: a sequence definition as flat, structured form fields and back.

Values keep exactly what the person typed (strings), so a page that failed
validation shows it again untouched; only ``definition_from_values`` turns them
into the JSON definition that ``campaigns.definitions`` validates.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STEP_KINDS = ("email", "wait", "branch", "action", "call", "social", "task", "manual_email")
TASK_KINDS = ("call", "social", "task", "manual_email")  # cadence steps a rep does
EMAIL_KINDS = ("email", "manual_email")  # steps with an email template
FLAGS = ("thread", "wait_for_previous_task")  # checkboxes: "on" or ""
STEP_FIELDS = (
    "id", "type", "next",
    "title", "instructions", "network", *FLAGS,  # cadence steps
    "amount", "unit",  # wait
    "cond_type", "cond_step", "within_days", "field", "op", "value", "then", "else",  # branch
    "action", "stage", "status", "tag", "points", "sequence", "message", "reason",  # action
)  # fmt: skip
VARIANT_FIELDS = ("id", "subject", "html", "text", "weight")
RULE_FIELDS = ("source", "form", "field", "equals")
GOAL_FLAGS = ("replied", "clicked", "handed_to_sales")
# Which parameter each action takes from the step's fields.
ACTION_PARAMS = {"set_stage": "stage", "set_status": "status", "add_tag": "tag", "add_score": "points",
                 "notify_owner": "message", "enroll": "sequence", "exit": "reason"}  # fmt: skip
OPTIONAL_PARAMS = frozenset({"message", "reason"})
BLANK_EMAIL = {
    "subject": "",
    "html": "<p>Hi {{ lead.first_name | default('there') }},</p>\n<p></p>",
    "text": "",
    "weight": "1",
}


def blank_variant(index: int) -> dict[str, str]:
    return {**BLANK_EMAIL, "id": chr(ord("a") + index)}


def blank_step(kind: str, taken: set[str]) -> dict[str, Any]:
    number = 1
    while f"{kind}-{number}" in taken:
        number += 1
    step: dict[str, Any] = dict.fromkeys(STEP_FIELDS, "")
    step |= {"id": f"{kind}-{number}", "type": kind, "variants": []}
    if kind in EMAIL_KINDS:
        step["variants"] = [blank_variant(0)]
    if kind in TASK_KINDS:
        step["title"] = {"call": "Call", "social": "LinkedIn touch", "task": "Follow up", "manual_email": "Send an email"}[kind]
        step["network"] = "LinkedIn" if kind == "social" else ""
    elif kind == "wait":
        step |= {"amount": "2", "unit": "days"}
    elif kind == "branch":
        step |= {"cond_type": "opened", "op": "equals"}
    elif kind == "action":
        step["action"] = "add_tag"
    return step


def blank_values() -> dict[str, Any]:
    return {
        "name": "", "kind": "nurture", "reenroll": "never", "layout": "", "from_name": "", "from_email": "",
        "timezone": "", "window_timezone": "lead", "topic": "", "days": ["tue", "wed", "thu"], "start": "09:00", "end": "17:00", "skip_holidays": True,
        "goals": dict.fromkeys(GOAL_FLAGS, False) | {"stage": ""}, "entry_rules": [], "steps": [],
        "exclusive": True, "stop_on_company_reply": False,
    }  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _step_values(raw: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = dict.fromkeys(STEP_FIELDS, "")
    step |= {"id": _text(raw.get("id")), "type": _text(raw.get("type")), "next": _text(raw.get("next")), "variants": []}
    step |= {flag: "on" if raw.get(flag) is True else "" for flag in FLAGS}
    if step["type"] in TASK_KINDS:
        step |= {key: _text(raw.get(key)) for key in ("title", "instructions", "network")}
    if step["type"] in EMAIL_KINDS:
        # A one-version email keeps its fields on the step (whose id is not a variant id).
        variants = raw.get("variants") or [{k: raw.get(k) for k in ("subject", "html", "text", "weight")}]
        step["variants"] = [
            {**{k: _text(v.get(k)) for k in VARIANT_FIELDS}, "id": _text(v.get("id") or chr(ord("a") + i)),
             "weight": _text(1 if v.get("weight") is None else v["weight"])}
            for i, v in enumerate(variants)
        ]  # fmt: skip
    elif step["type"] == "wait":
        step |= {"amount": _text(raw.get("amount")), "unit": _text(raw.get("unit", "days"))}
    elif step["type"] == "branch":
        condition = raw.get("condition") or {}
        step |= {"cond_type": _text(condition.get("type")), "cond_step": _text(condition.get("step")),
                 "within_days": _text(condition.get("within_days")), "field": _text(condition.get("field")),
                 "op": _text(condition.get("op", "equals")), "value": _text(condition.get("value")),
                 "then": _text(raw.get("then")), "else": _text(raw.get("else"))}  # fmt: skip
    elif step["type"] == "action":
        step["action"] = _text(raw.get("action"))
        param = ACTION_PARAMS.get(step["action"])
        if param:
            step[param] = _text(raw.get(param))
    return step


def values_from_definition(name: str, kind: str, reenroll: str, definition: dict[str, Any]) -> dict[str, Any]:
    """The form's values for a stored definition (any valid JSON shape the API accepts)."""
    window = definition.get("send_window") or {}
    day_numbers = {i + 1: d for i, d in enumerate(DAYS)}
    days = [day_numbers.get(d, str(d)[:3].lower()) for d in window.get("days") or (DAYS if window else [])]
    goals = dict.fromkeys(GOAL_FLAGS, False) | {"stage": ""}
    for goal in definition.get("goals") or []:
        if goal.get("type") == "stage_reached":
            goals["stage"] = _text(goal.get("stage"))
        elif goal.get("type") in GOAL_FLAGS:
            goals[goal["type"]] = True
    return {
        "name": name, "kind": kind, "reenroll": reenroll,
        "layout": _text(definition.get("layout")), "from_name": _text(definition.get("from_name")),
        "from_email": _text(definition.get("from_email")), "timezone": _text(definition.get("timezone")),
        "window_timezone": _text(definition.get("window_timezone", "lead")),
        "topic": _text(definition.get("topic")),
        "days": days, "start": _text(window.get("start", "")), "end": _text(window.get("end", "")),
        "skip_holidays": bool(window.get("skip_holidays", True)), "goals": goals,
        "entry_rules": [{k: _text(rule.get(k)) for k in RULE_FIELDS} for rule in definition.get("entry_rules") or []],
        "steps": [_step_values(step) for step in definition.get("steps") or []],
        "exclusive": definition.get("exclusive", True) is not False,
        "stop_on_company_reply": definition.get("stop_on_company_reply") is True,
    }  # fmt: skip


def _indices(form: MultiDict[str, str], pattern: str) -> list[int]:
    found = {int(m.group(1)) for key in form if (m := re.fullmatch(pattern, key))}
    return sorted(found)


def values_from_post(form: MultiDict[str, str]) -> dict[str, Any]:
    """The posted builder exactly as typed; rows come back in the order of their indices."""
    steps = []
    for i in _indices(form, r"steps-(\d+)-type"):
        step: dict[str, Any] = {key: form.get(f"steps-{i}-{key}", "") for key in STEP_FIELDS}
        step["variants"] = [
            {key: form.get(f"steps-{i}-variants-{j}-{key}", "") for key in VARIANT_FIELDS}
            for j in _indices(form, rf"steps-{i}-variants-(\d+)-id")
        ]
        steps.append(step)
    rules = [{key: form.get(f"rules-{k}-{key}", "") for key in RULE_FIELDS} for k in _indices(form, r"rules-(\d+)-field")]
    return {
        **{key: form.get(key, "") for key in ("name", "kind", "reenroll", "layout", "from_name", "from_email", "timezone", "topic")},
        "window_timezone": form.get("window_timezone", "lead"),
        "days": [d for d in form.getlist("days") if d in DAYS],
        "start": form.get("start", "").strip(),
        "end": form.get("end", "").strip(),
        "skip_holidays": form.get("skip_holidays") == "on",
        "goals": {flag: form.get(f"goal_{flag}") == "on" for flag in GOAL_FLAGS} | {"stage": form.get("goal_stage", "")},
        "entry_rules": rules,
        "steps": steps,
        "exclusive": form.get("exclusive") == "on",
        "stop_on_company_reply": form.get("stop_on_company_reply") == "on",
    }


def _number(text: str) -> int | str | None:
    """A whole number when it is one; otherwise the text itself, so validation names the field."""
    text = text.strip()
    if not text:
        return None
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def _condition(step: dict[str, Any]) -> dict[str, Any]:
    if step["cond_type"] == "field":
        value: Any = step["value"].strip() or None
        if step["op"] == "in" and value is not None:
            value = [part.strip() for part in value.split(",") if part.strip()]
        return {"type": "field", "field": step["field"], "op": step["op"], "value": value}
    condition: dict[str, Any] = {"type": step["cond_type"], "step": step["cond_step"] or None}
    if step["within_days"].strip():
        condition["within_days"] = _number(step["within_days"])
    return condition


def _step_definition(step: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": step["id"].strip(), "type": step["type"]}
    if step["next"]:
        data["next"] = step["next"]
    data |= {flag: True for flag in FLAGS if step.get(flag) == "on"}
    if step["type"] in TASK_KINDS:
        data |= {key: step[key].strip() for key in ("title", "instructions", "network") if step.get(key, "").strip()}
    if step["type"] in EMAIL_KINDS:
        variants = []
        for variant in step["variants"]:
            item = {"id": variant["id"].strip(), "subject": variant["subject"], "html": variant["html"]}
            if variant["text"].strip():
                item["text"] = variant["text"]
            weight = _number(variant["weight"])
            item["weight"] = 1 if weight is None else weight
            variants.append(item)
        if len(variants) == 1 or (variants and step["type"] == "manual_email"):
            data |= {k: v for k, v in variants[0].items() if k not in ("id", "weight") or k == "weight" and v != 1}
        else:
            data["variants"] = variants
    elif step["type"] == "wait":
        data |= {"amount": _number(step["amount"]), "unit": step["unit"]}
    elif step["type"] == "branch":
        data |= {"condition": _condition(step), "then": step["then"] or None, "else": step["else"] or None}
    elif step["type"] == "action":
        data["action"] = step["action"]
        param = ACTION_PARAMS.get(step["action"])
        if param == "points":
            data["points"] = _number(step["points"])
        elif param and (step[param].strip() or param not in OPTIONAL_PARAMS):
            data[param] = step[param].strip() or None
    return data


def definition_from_values(values: dict[str, Any]) -> dict[str, Any]:
    """The JSON definition the engine stores and validates."""
    definition: dict[str, Any] = {"steps": [_step_definition(step) for step in values["steps"]]}
    for key in ("from_name", "from_email", "timezone", "topic"):
        if values[key].strip():
            definition[key] = values[key].strip()
    if values.get("window_timezone", "lead") != "lead":
        definition["window_timezone"] = values["window_timezone"]
    if values["layout"].strip():
        definition["layout"] = values["layout"]
    if values["kind"] == "cadence":  # campaigns/cadence_options.py; written only when not the default
        if not values.get("exclusive", True):
            definition["exclusive"] = False
        if values.get("stop_on_company_reply"):
            definition["stop_on_company_reply"] = True
    if values["days"] or values["start"] or values["end"]:
        definition["send_window"] = {
            "days": values["days"] or list(DAYS),
            "start": values["start"] or "00:00",
            "end": values["end"] or "24:00",
            "skip_holidays": values["skip_holidays"],
        }
    goals: list[dict[str, Any]] = [{"type": flag} for flag in GOAL_FLAGS if values["goals"][flag]]
    if values["goals"]["stage"]:
        goals.append({"type": "stage_reached", "stage": values["goals"]["stage"]})
    if goals:
        definition["goals"] = goals
    rules = []
    for rule in values["entry_rules"]:
        clean = {k: rule[k].strip() for k in ("source", "form", "field") if rule[k].strip()}
        if clean.get("field"):
            clean["equals"] = rule["equals"].strip()
        if clean:
            rules.append(clean)
    if rules:
        definition["entry_rules"] = rules
    return definition
