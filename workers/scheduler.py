"""``nurture scheduler``: the one loop that runs periodic work (no overlapping crons).

A Redis lock with a lease makes a second scheduler wait instead of doubling
work; correctness never depends on it, since due work is claimed in the
database (DESIGN.md, invariant 1).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis import Redis

from nurture.config import Settings
from workers import context
from workers.connection import redis_connection
from workers.dispatch import dispatch_due, run_auto_enroll, run_evaluate_engagement
from workers.handoff_jobs import run_escalate_breaches
from workers.inbound_jobs import enqueue_mailbox_polls
from workers.ingest import EventIngest
from workers.qualification_jobs import run_resurface
from workers.report_jobs import run_task_stuck_items
from workers.webhook_jobs import dispatch_webhooks

log = logging.getLogger("nurture.scheduler")
LOCK_KEY = "nurture:scheduler:lock"
HEARTBEAT_KEY = "nurture:scheduler:heartbeat"
LEASE_SECONDS = 30


@dataclass
class PeriodicTask:
    name: str
    every_seconds: float
    run: Callable[[Settings, Redis], Any]
    last_run: float = 0.0
    at_exit: bool = False  # run once more when the scheduler stops (e.g. drain what is buffered in Redis)
    # On a thread of its own (still only while this scheduler holds the lock): slower tasks never delay it.
    own_thread: bool = False


def periodic_tasks(settings: Settings | None = None) -> list[PeriodicTask]:
    """The schedule, as a plain list (after redash's schedule.py)."""
    tasks = [
        PeriodicTask("heartbeat", 5, _heartbeat),
        PeriodicTask("dispatch_due", 1, dispatch_due),
        PeriodicTask("auto_enroll", 2, run_auto_enroll),
        PeriodicTask("evaluate_engagement", 0.25, run_evaluate_engagement),
        # Opens and clicks wait in a Redis stream until this writes them: it sets the floor of speed-to-lead,
        # so an evaluation pass busy sending notifications must not hold it up.
        PeriodicTask("ingest_events", 0.1, EventIngest(), at_exit=True, own_thread=True),
        PeriodicTask("escalate_sla_breaches", 30, run_escalate_breaches),
        # Resurface dates are days: once a minute is plenty, and the claim makes a rerun harmless.
        PeriodicTask("resurface_bad_timing", 60, run_resurface),
        PeriodicTask("deliver_webhooks", 1, dispatch_webhooks),
        # Stuck deals and SQLs are counted in days: every five minutes is plenty, and each is tasked once.
        PeriodicTask("task_stuck_items", 300, run_task_stuck_items),
    ]
    if settings is not None and settings.imap_urls:  # replies and bounces, only when mailboxes are configured
        tasks.append(PeriodicTask("poll_mailboxes", settings.imap_poll_seconds, enqueue_mailbox_polls))
    return tasks


def _heartbeat(_settings: Settings, connection: Redis) -> None:
    connection.set(HEARTBEAT_KEY, f"{time.time():.0f}", ex=60)


class Scheduler:
    def __init__(self, settings: Settings, tasks: list[PeriodicTask] | None = None, tick: float = 0.1):
        self.settings = settings
        self.connection = redis_connection(settings)
        self.tasks = tasks if tasks is not None else periodic_tasks(settings)
        self.tick = tick
        self.identity = f"{socket.gethostname()}:{id(self)}"
        self.stopping = False
        self.leading = False  # holds the lock: the own-thread tasks run only then

    def _hold_lock(self) -> bool:
        if self.connection.set(LOCK_KEY, self.identity, nx=True, ex=LEASE_SECONDS):
            return True
        if self.connection.get(LOCK_KEY) == self.identity.encode():
            self.connection.expire(LOCK_KEY, LEASE_SECONDS)
            return True
        return False

    def run_once(self, now: float | None = None) -> list[str]:
        self.leading = self._hold_lock()
        if not self.leading:
            return []
        now = time.monotonic() if now is None else now
        ran = []
        for task in self.tasks:
            if not task.own_thread and now - task.last_run >= task.every_seconds:
                task.last_run = now
                try:
                    task.run(self.settings, self.connection)
                    ran.append(task.name)
                except Exception:  # one failing task must not stop the others
                    log.exception("periodic task %s failed", task.name)
        return ran

    def run(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self.stop())
        signal.signal(signal.SIGINT, lambda *_: self.stop())
        threads = [threading.Thread(target=self._run_alone, args=(task,), name=task.name, daemon=True) for task in self.tasks if task.own_thread]
        for thread in threads:
            thread.start()
        while not self.stopping:
            self.run_once()
            time.sleep(self.tick)
        for thread in threads:
            thread.join(LEASE_SECONDS)
        if self.connection.get(LOCK_KEY) == self.identity.encode():
            for task in self.tasks:
                if task.at_exit:
                    self._run_at_exit(task)
            self.connection.delete(LOCK_KEY)

    def _run_alone(self, task: PeriodicTask) -> None:
        while not self.stopping:
            if self.leading:
                try:
                    task.run(self.settings, self.connection)
                except Exception:
                    log.exception("periodic task %s failed", task.name)
            time.sleep(task.every_seconds)

    def _run_at_exit(self, task: PeriodicTask) -> None:
        try:
            task.run(self.settings, self.connection)
        except Exception:
            log.exception("periodic task %s failed at exit", task.name)

    def stop(self) -> None:
        self.stopping = True


def run_scheduler(settings: Settings) -> None:
    context.configure(settings)
    Scheduler(settings).run()
