"""Typed steps of a sequence definition (parsed from JSON by campaigns.definitions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from campaigns.cadence_options import CadenceOptions
from campaigns.planner import Delay, SendWindow


@dataclass(frozen=True)
class EmailVariant:
    id: str
    subject: str
    html: str
    text: str | None
    weight: int


@dataclass(frozen=True)
class EmailStep:
    id: str
    variants: tuple[EmailVariant, ...]
    next: str | None = None
    kind: str = "email"
    # Cadences: a reply to the enrollment's first email (In-Reply-To, References, "Re:" subject).
    thread: bool = False
    # Cadences: do not run until the task of the latest task step is completed.
    wait_for_previous_task: bool = False


TASK_STEP_KINDS = ("call", "social", "task", "manual_email")


@dataclass(frozen=True)
class TaskStep:
    """A cadence step a rep does: a Task for the lead's owner, due when the step runs."""

    id: str
    kind: str  # one of TASK_STEP_KINDS
    title: str
    instructions: str | None = None
    network: str | None = None  # social: linkedin, twitter…
    variants: tuple[EmailVariant, ...] = ()  # manual_email: the one template its draft is rendered from
    next: str | None = None
    thread: bool = False
    wait_for_previous_task: bool = False


@dataclass(frozen=True)
class WaitStep:
    id: str
    delay: Delay
    next: str | None = None
    kind: str = "wait"


@dataclass(frozen=True)
class Condition:
    """Engagement with an earlier email step, or a test over the lead."""

    type: str  # opened, clicked, not_opened, not_clicked, field
    step: str | None = None
    within_days: int | None = None
    field: str | None = None
    op: str | None = None  # equals, not_equals, in, exists, gte, lte
    value: Any = None


@dataclass(frozen=True)
class BranchStep:
    id: str
    condition: Condition
    then: str
    otherwise: str
    next: str | None = None
    kind: str = "branch"


@dataclass(frozen=True)
class ActionStep:
    id: str
    action: str  # set_stage, set_status, add_tag, notify_owner, enroll, exit, add_score
    params: dict[str, Any] = field(default_factory=dict)
    next: str | None = None
    kind: str = "action"


Step = EmailStep | WaitStep | BranchStep | ActionStep | TaskStep
END = "end"


@dataclass(frozen=True)
class Goal:
    type: str  # stage_reached, replied, clicked, handed_to_sales
    stage: str | None = None


@dataclass(frozen=True)
class EntryRule:
    source: str | None = None
    form: str | None = None
    field: str | None = None
    equals: Any = None


@dataclass(frozen=True)
class SequenceDefinition:
    steps: tuple[Step, ...]
    window: SendWindow | None
    goals: tuple[Goal, ...] = ()
    entry_rules: tuple[EntryRule, ...] = ()
    from_name: str | None = None
    from_email: str | None = None
    layout: str | None = None
    # What the emails are about ("newsletter"): a lead who opted out of the topic gets none of them.
    topic: str | None = None
    # The timezone for leads (and their companies) that have none; None: the account's default.
    timezone: str | None = None
    cadence: CadenceOptions = CadenceOptions()  # enrollment and stop rules (campaigns/cadence_options.py)
    # Whose day the send window follows in a cadence: the lead's ("lead") or the owner's mailbox ("rep").
    window_timezone: str = "lead"

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def first_step(self) -> str | None:
        return self.steps[0].id if self.steps else None

    def following(self, step: Step) -> str | None:
        """The step after ``step`` when it has no explicit ``next``; None at the end."""
        if step.next is not None:
            return None if step.next == END else step.next
        index = self.steps.index(step)
        return self.steps[index + 1].id if index + 1 < len(self.steps) else None
