"""Inbound mail jobs: poll each configured IMAP mailbox (one job per mailbox, never two at once)."""

from __future__ import annotations

import logging

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from campaigns.inbound.polling import poll_mailbox
from nurture.config import Settings
from nurture.mail.inbound.mailbox import parse_mailbox_url
from workers.context import job_session, settings
from workers.queues import DEFAULT, queue

log = logging.getLogger("nurture.inbound")
POLL_TIMEOUT_SECONDS = 600
BUSY = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


def poll_mailbox_job(index: int) -> dict[str, int]:
    """Poll the index-th mailbox of NURTURE_IMAP_URL (the URL, with its password, stays out of Redis)."""
    urls = settings().imap_urls
    if index >= len(urls):
        return {}
    config = parse_mailbox_url(urls[index])
    with job_session() as session:
        result = poll_mailbox(session, settings(), config)
    return vars(result)


def _busy(job_id: str, connection: Redis) -> bool:
    try:
        return Job.fetch(job_id, connection=connection).get_status() in BUSY
    except NoSuchJobError:
        return False


def enqueue_mailbox_polls(settings_: Settings, connection: Redis) -> int:
    """The scheduler's task: one poll job per mailbox unless the previous one is still queued or running."""
    enqueued = 0
    for index, url in enumerate(settings_.imap_urls):
        try:
            label = parse_mailbox_url(url).label
        except ValueError as exc:
            log.error("NURTURE_IMAP_URL entry %d: %s", index + 1, exc)
            continue
        job_id = f"nurture-poll-mailbox-{index}"
        if _busy(job_id, connection):
            continue
        queue(DEFAULT, connection).enqueue(
            poll_mailbox_job, index, job_id=job_id, description=f"poll {label}",
            job_timeout=POLL_TIMEOUT_SECONDS, result_ttl=60, failure_ttl=24 * 3600,
        )  # fmt: skip
        enqueued += 1
    return enqueued
