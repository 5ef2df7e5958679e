"""A cadence's enrollment and stop options, set in its definition.

``exclusive`` (default true): a lead is in at most one live exclusive cadence; a cadence that sets it
false runs alongside others. ``stop_on_company_reply`` (default false): a reply from anyone at the
lead's company (its email domain) stops this cadence for every lead of that company.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPTIONS = ("exclusive", "stop_on_company_reply")


@dataclass(frozen=True)
class CadenceOptions:
    exclusive: bool = True
    stop_on_company_reply: bool = False


def parse_cadence_options(data: Mapping[str, Any], errors: dict[str, str]) -> CadenceOptions:
    values = {}
    for name in OPTIONS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, bool):
            errors[name] = "true or false"
            continue
        values[name] = value
    return CadenceOptions(**values)
