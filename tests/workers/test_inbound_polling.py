"""IMAP polling as the scheduler runs it: a task only when mailboxes are configured, one job per mailbox."""

from __future__ import annotations

from rq import SimpleWorker
from sqlalchemy import select

from nurture.models import InboundKind, InboundMessage
from tests.mail.inbound_fixtures import load
from workers import context
from workers.connection import redis_connection
from workers.inbound_jobs import enqueue_mailbox_polls
from workers.queues import DEFAULT, all_queues, queue
from workers.scheduler import periodic_tasks


def test_the_poll_task_exists_only_when_mailboxes_are_configured(settings):
    assert "poll_mailboxes" not in [t.name for t in periodic_tasks(settings)]
    configured = settings.with_(imap_urls=("imaps://u:p@imap.example.com/INBOX",), imap_poll_seconds=30.0)
    [task] = [t for t in periodic_tasks(configured) if t.name == "poll_mailboxes"]
    assert task.every_seconds == 30.0


def test_a_worker_polls_each_mailbox_once_per_round(settings, session_factory, session, redis_client, imap_server, imap_folder):
    configured = settings.with_(imap_urls=(imap_server.url(imap_folder), "imap://no-password@host/INBOX"))
    context.configure(configured, session_factory)
    connection = redis_connection(configured)
    imap_server.append(load("postfix_user_unknown", rcpt="gone@example.org"), imap_folder)

    assert enqueue_mailbox_polls(configured, connection) == 1  # the bad URL is logged, not enqueued
    assert enqueue_mailbox_polls(configured, connection) == 0  # the first job is still queued
    assert len(queue(DEFAULT, connection)) == 1
    SimpleWorker(all_queues(connection), connection=connection).work(burst=True)

    [inbound] = session.scalars(select(InboundMessage)).all()
    assert inbound.kind == InboundKind.HARD_BOUNCE and inbound.address == "gone@example.org"
    assert inbound.source == f"imap:{imap_server.user}@127.0.0.1:{imap_server.port}/{imap_folder}"
    assert imap_server.password not in inbound.source
    assert enqueue_mailbox_polls(configured, connection) == 1  # done: the next round may go
