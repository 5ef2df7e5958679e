"""An enrollment's planned way ahead: when each remaining step should run, by the pure planner.

Planned the way the step loop runs them: a wait ends its delay after the previous
step, an email goes at the next send-window opening, branches and actions run at
once. Nothing in the past is planned: a step that is already due runs "now".
Branches on engagement cannot be known ahead; ``choose`` picks the way they
would go as things stand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from campaigns.planner import Calendar, add_delay, next_opening
from campaigns.steps import END, ActionStep, BranchStep, EmailStep, SequenceDefinition, Step, TaskStep, WaitStep

MAX_PLANNED = 50  # a definition that loops through waits would plan forever


@dataclass(frozen=True)
class PlannedStep:
    step: Step
    at: datetime
    note: str = ""


def forecast(
    definition: SequenceDefinition,
    step_id: str | None,
    previous_ran_at: datetime,
    not_before: datetime,
    cal: Calendar,
    choose: Callable[[BranchStep], str],
) -> list[PlannedStep]:
    """The remaining steps from ``step_id`` with their planned times (aware, UTC)."""
    planned: list[PlannedStep] = []
    moment = previous_ran_at
    while step_id is not None and step_id != END and len(planned) < MAX_PLANNED:
        step = definition.step(step_id)
        note = ""
        if isinstance(step, WaitStep):
            moment = max(add_delay(moment, step.delay, cal), not_before)
        elif isinstance(step, EmailStep | TaskStep):
            moment = next_opening(max(moment, not_before), definition.window, cal)
        else:
            moment = max(moment, not_before)
        if isinstance(step, BranchStep):
            target = choose(step)
            note = f"goes to '{target}' as things stand"
            planned.append(PlannedStep(step, moment, note))
            step_id = target
            continue
        planned.append(PlannedStep(step, moment, note))
        if isinstance(step, ActionStep) and step.action == "exit":
            break
        step_id = definition.following(step)
    return planned
