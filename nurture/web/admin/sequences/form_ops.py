"""The builder's buttons other than Save (add, move, remove), and errors placed next to their fields.

Each button posts the whole form with ``op``; the page comes back changed and
unsaved, so it works without JavaScript and nothing typed is lost.
"""

from __future__ import annotations

import re
from typing import Any

from nurture.web.admin.sequences.form import STEP_KINDS, blank_step, blank_variant

MAX_VARIANTS = 5
# Error keys of a step that are shown next to a field of the step's card; the rest head the card.
FIELD_KEYS = re.compile(
    r"(id|type|next|amount|unit|then|action|stage|status|tag|sequence|points|variants"
    r"|title|instructions|network|thread|wait_for_previous_task"
    r"|condition|condition\.(step|field|op|within_days)|variants\[\d+\]\.(subject|html|text|weight))"
)
STEP_KEY = re.compile(r"steps\[(\d+)\](?:\.(.*))?")
NUMBER_FIELDS = ("amount",)


def apply_op(values: dict[str, Any], op: str) -> str | None:
    """Change ``values`` as the button ``op`` asks; returns what happened, or None for an unknown op."""
    steps: list[dict[str, Any]] = values["steps"]
    if (m := re.fullmatch(r"add-(\w+)", op)) and m.group(1) in STEP_KINDS:
        steps.append(blank_step(m.group(1), {s["id"] for s in steps}))
        article = "an" if m.group(1)[0] in "aeiou" else "a"
        return f"Added {article} {m.group(1)} step at the end."
    if m := re.fullmatch(r"(up|down|remove)-(\d+)", op):
        index = int(m.group(2))
        if index >= len(steps):
            return None
        if m.group(1) == "remove":
            removed = steps.pop(index)
            return f"Removed step '{removed['id']}'."
        other = index - 1 if m.group(1) == "up" else index + 1
        if not 0 <= other < len(steps):
            return "That step is already at the " + ("top." if m.group(1) == "up" else "bottom.")
        steps[index], steps[other] = steps[other], steps[index]
        return f"Moved step '{steps[other]['id']}' {m.group(1)}."
    if (m := re.fullmatch(r"add-variant-(\d+)", op)) and int(m.group(1)) < len(steps):
        variants = steps[int(m.group(1))]["variants"]
        if len(variants) >= MAX_VARIANTS:
            return f"At most {MAX_VARIANTS} variants."
        taken = {v["id"] for v in variants}
        variant = blank_variant(len(variants))
        variant["id"] = next(chr(c) for c in range(ord("a"), ord("z") + 1) if chr(c) not in taken)
        variants.append(variant)
        return "Added an A/B variant."
    if (m := re.fullmatch(r"remove-variant-(\d+)-(\d+)", op)) and int(m.group(1)) < len(steps):
        variants = steps[int(m.group(1))]["variants"]
        if len(variants) > 1 and int(m.group(2)) < len(variants):
            variants.pop(int(m.group(2)))
            return "Removed a variant."
        return "An email step needs at least one version."
    if op == "add-rule":
        values["entry_rules"].append(dict.fromkeys(("source", "form", "field", "equals"), ""))
        return "Added an entry rule."
    if (m := re.fullmatch(r"remove-rule-(\d+)", op)) and int(m.group(1)) < len(values["entry_rules"]):
        values["entry_rules"].pop(int(m.group(1)))
        return "Removed an entry rule."
    return None


def _friendly(key: str, message: str) -> str:
    if message == "Wrong type" and key.rsplit(".", 1)[-1] in NUMBER_FIELDS:
        return "Enter a whole number"
    return message


def arrange_errors(errors: dict[str, str], values: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Split validation errors into the page's own and one dict per step card.

    A step's keys lose their ``steps[i].`` prefix; a one-version email's fields
    (``subject``) are addressed as its first variant's (``variants[0].subject``), as on the page.
    Whatever no field shows is kept under ``""`` and shown at the head of the card.
    """
    page: dict[str, str] = {}
    cards: list[dict[str, str]] = [{} for _ in values["steps"]]
    for raw_key, message in errors.items():
        key = raw_key.removeprefix("definition.")
        match = STEP_KEY.fullmatch(key)
        if match is None or int(match.group(1)) >= len(cards):
            page[key] = _friendly(key, message)
            continue
        index, field = int(match.group(1)), match.group(2) or ""
        if field in ("subject", "html", "text", "weight"):
            field = f"variants[0].{field}"
        card = cards[index]
        if FIELD_KEYS.fullmatch(field):
            card[field] = _friendly(field, message)
        else:
            card[""] = " ".join(filter(None, [card.get(""), f"{field}: {message}" if field else message]))
    return page, cards
