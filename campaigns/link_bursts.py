"""Several different links of one message clicked within a moment by one agent: a scanner walking them all."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.models import EmailEvent

BURST_WINDOW = timedelta(seconds=3)
BURST_LINKS = 3
REASON = "every link clicked at once"


def _same_agent(user_agent: str | None):  # type: ignore[no-untyped-def]
    return EmailEvent.user_agent.is_(None) if user_agent is None else EmailEvent.user_agent == user_agent


def flag_bursts(session: Session, clicks: Sequence[EmailEvent]) -> None:
    """Flag new ``clicks`` (flushed here) and the earlier clicks they form a burst with.

    A click is judged with the clicks of the same message and agent in the window before it, as if
    events were recorded one by one; one cheap count per (message, agent) skips the usual case.
    """
    groups: dict[tuple[int | None, str | None], list[EmailEvent]] = defaultdict(list)
    for click in clicks:
        groups[(click.send_id, click.user_agent)].append(click)
    session.flush()
    for (send_id, agent), new in groups.items():
        since, until = min(c.occurred_at for c in new) - BURST_WINDOW, max(c.occurred_at for c in new)
        scope = (EmailEvent.send_id == send_id, EmailEvent.kind == "click", _same_agent(agent),
                 EmailEvent.occurred_at >= since, EmailEvent.occurred_at <= until)  # fmt: skip
        if (session.scalar(select(func.count(func.distinct(EmailEvent.url))).where(*scope)) or 0) < BURST_LINKS:
            continue
        _flag_windows(list(session.scalars(select(EmailEvent).where(*scope).order_by(EmailEvent.occurred_at, EmailEvent.id))),
                      {id(c) for c in new})  # fmt: skip


def _flag_windows(rows: list[EmailEvent], new: set[int]) -> None:
    """A sliding window over clicks in time order: at each new click, BURST_LINKS distinct URLs flag the window."""
    urls: Counter[str | None] = Counter()
    start = flagged_until = 0
    for end, row in enumerate(rows):
        urls[row.url] += 1
        while rows[start].occurred_at < row.occurred_at - BURST_WINDOW:
            urls[rows[start].url] -= 1
            if not urls[rows[start].url]:
                del urls[rows[start].url]
            start += 1
        if id(row) in new and len(urls) >= BURST_LINKS:
            for event in rows[max(start, flagged_until) : end + 1]:
                if not event.is_machine:
                    event.is_machine, event.machine_reason = True, REASON
            flagged_until = end + 1
