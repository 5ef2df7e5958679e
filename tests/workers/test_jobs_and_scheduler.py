"""Jobs run on a real Redis through an RQ worker; the scheduler loop holds one lease."""

from rq import SimpleWorker
from sqlalchemy import select

from nurture.models import OutboxMessage, Role
from tests.campaigns.processes import wait_until
from workers import context
from workers.connection import redis_connection
from workers.jobs import send_test_email
from workers.queues import DEFAULT, all_queues, queue
from workers.scheduler import HEARTBEAT_KEY, LOCK_KEY, PeriodicTask, Scheduler, periodic_tasks


def test_a_queued_test_email_is_sent_by_a_worker_into_the_outbox(settings, session_factory, session, make_account):
    account = make_account(Role.MARKETER, "marketer@example.com")
    context.configure(settings, session_factory)
    connection = redis_connection(settings)
    queue(DEFAULT, connection).enqueue(send_test_email, account.user.id)

    SimpleWorker(all_queues(connection), connection=connection).work(burst=True)

    kept = session.scalars(select(OutboxMessage)).all()
    assert [m.rcpt_to for m in kept] == ["marketer@example.com"]
    assert kept[0].subject == "Nurture test email"


def test_the_test_email_goes_to_smtp_when_configured(settings, session_factory, make_account, smtp_sink):
    account = make_account(Role.REP, "rep@example.com")
    context.configure(settings.with_(smtp_url=smtp_sink.url), session_factory)
    assert send_test_email(account.user.id) == "sent"
    assert [r.rcpt_tos for r in smtp_sink.received] == [["rep@example.com"]]


def test_scheduler_runs_due_tasks_and_a_second_scheduler_waits(settings, redis_client):
    calls: list[str] = []
    first = Scheduler(settings, [PeriodicTask("a", 10, lambda s, c: calls.append("a"))])
    second = Scheduler(settings, [PeriodicTask("a", 10, lambda s, c: calls.append("b"))])

    assert first.run_once(now=100.0) == ["a"]
    assert first.run_once(now=105.0) == []  # not due yet
    assert second.run_once(now=200.0) == []  # the first holds the lease
    assert first.run_once(now=111.0) == ["a"]
    assert calls == ["a", "a"]
    assert redis_client.get(LOCK_KEY) == first.identity.encode()


def test_heartbeat_task_marks_the_scheduler_alive(settings, redis_client):
    heartbeat = [task for task in periodic_tasks() if task.name == "heartbeat"]
    Scheduler(settings, heartbeat).run_once(now=1000.0)
    assert redis_client.get(HEARTBEAT_KEY) is not None


def test_a_task_on_its_own_thread_runs_only_while_leading_and_once_more_at_exit(settings, redis_client):
    import signal
    import threading
    import time

    calls: list[str] = []
    seen: dict[str, object] = {}
    alone = PeriodicTask("alone", 0.01, lambda s, c: calls.append("alone"), at_exit=True, own_thread=True)
    follower = Scheduler(settings, [PeriodicTask("main", 0.01, lambda s, c: calls.append("main"))])
    assert follower.run_once() == ["main"]  # it leads: the other scheduler must wait
    leader_to_be = Scheduler(settings, [alone])

    def meanwhile() -> None:
        time.sleep(0.3)
        seen["while following"] = list(calls)
        redis_client.delete(LOCK_KEY)  # the first scheduler is gone
        seen["ran when leading"] = wait_until(lambda: "alone" in calls, 5, 0.02)
        seen["before stop"] = calls.count("alone")
        leader_to_be.stop()

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    helper = threading.Thread(target=meanwhile)
    helper.start()
    try:
        leader_to_be.run()  # in the main thread: it installs signal handlers
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    helper.join(5)
    assert seen["while following"] == ["main"]  # not leading: its own-thread task never ran
    assert seen["ran when leading"] is True
    assert calls.count("alone") > seen["before stop"]  # …and once more when stopping
    assert redis_client.get(LOCK_KEY) is None  # the lease is given back
