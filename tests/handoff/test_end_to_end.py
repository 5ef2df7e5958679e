"""The whole path through real processes: gunicorn, an RQ worker, the scheduler, a real SMTP server.

A person who opens and clicks enough is handed to a rep once, with a task and an email; the same clicks from
a scanner or within seconds of delivery hand off nobody; an edited link goes nowhere; a one-click unsubscribe
stops a message already queued for a worker.
"""

from __future__ import annotations

import http.client
import re
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rq.registry import FinishedJobRegistry
from sqlalchemy import func, select

from campaigns.enrollments import enroll
from campaigns.models import Enrollment, Sequence
from campaigns.sequences import activate, create_sequence
from nurture.db.engine import make_sessionmaker
from nurture.handoff.sla import due_after_business_hours
from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import EmailEvent, Lead, LeadEvent, Role, Task
from nurture.users.accounts import create_user
from tests.campaigns.processes import engine_env, start, stop
from tests.campaigns.processes import wait_until as poll
from tests.databases import backends, migrated_database
from tests.smtp_server import free_port
from workers.queues import SEND

HUMAN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
SCANNER = "Mozilla/5.0 (compatible; Barracuda Sentinel)"
LINKS = "<p><a href='https://example.com/pricing'>Pricing</a> <a href='https://example.com/guide'>Guide</a></p>"
CLICKS = 11  # 5 points each, with the open's 1: past the sales-ready threshold (50)


def wait_until(predicate, timeout: float) -> bool:
    return poll(predicate, timeout, step=0.05)


def get(port: int, path: str, agent: str = HUMAN, method: str = "GET", body: str | None = None) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"User-Agent": agent}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, response.getheader("Location")


@pytest.fixture
def fresh_db(tmp_path):
    # PostgreSQL when there is one (the many-process deployment); the SQLite path is the same code.
    with migrated_database(backends()[-1], tmp_path) as (url, engine):
        yield url, engine


def test_clicks_through_real_http_and_workers_hand_a_person_to_a_rep_once(fresh_db, redis_client, redis_url, smtp_sink, tmp_path: Path):
    url, engine = fresh_db
    factory = make_sessionmaker(engine)
    with factory() as session:
        create_user(session, "rep@example.com", Role.REP)
        first = create_sequence(session, {"name": "Nurture", "definition": {"steps": [{"id": "one", "type": "email", "subject": "One", "html": LINKS}]}})
        second = create_sequence(session, {"name": "Later", "definition": {"steps": [{"id": "two", "type": "email", "subject": "Two", "html": "<p>2</p>"}]}})
        for sequence in (first, second):
            activate(session, sequence, datetime.now(UTC))
        for name in ("human", "scanner", "instant", "quitter"):
            create_lead(session, validate_lead_input({"email": f"{name}@example.com", "first_name": name.title()}), reason="seed")
        session.commit()

    port = free_port()
    env = engine_env(url, redis_url, smtp_sink.url, tmp_path / "instance", NURTURE_BASE_URL=f"http://127.0.0.1:{port}")
    processes = {
        "web": start("web", env, tmp_path / "web.log", "--port", str(port), "--workers", "1"),
        "worker": start("worker", env, tmp_path / "worker.log"),
        "scheduler": start("scheduler", env, tmp_path / "scheduler.log"),
    }
    try:
        with factory() as session:  # sent while the web server starts…
            for lead in session.scalars(select(Lead).where(Lead.first_name != "Instant")):
                enroll(session, session.get(Sequence, first.id), lead, now=datetime.now(UTC), by="test")
            session.commit()
        assert wait_until(lambda: len(smtp_sink.received) == 3, 30), (tmp_path / "worker.log").read_text()
        delivered = time.monotonic()
        assert wait_until(lambda: _answers(port), 30), (tmp_path / "web.log").read_text()
        with factory() as session:  # …and one sent once it answers, to be clicked at once
            instant = session.scalar(select(Lead).where(Lead.first_name == "Instant"))
            enroll(session, session.get(Sequence, first.id), instant, now=datetime.now(UTC), by="test")
            session.commit()
        assert wait_until(lambda: len(smtp_sink.received) == 4, 20), (tmp_path / "worker.log").read_text()
        mail = {r.rcpt_tos[0].split("@")[0]: r.message for r in smtp_sink.received}
        html = {name: m.get_body(("html",)).get_content() for name, m in mail.items()}
        pixel = {name: re.search(rf'http://127\.0\.0\.1:{port}(/t/o/[^"]+)"', text).group(1) for name, text in html.items()}
        click = {name: re.search(rf'http://127\.0\.0\.1:{port}(/t/c/[^"]+)"', text).group(1) for name, text in html.items()}

        for _ in range(CLICKS):  # right on delivery: a person has not read it yet
            assert get(port, click["instant"]) == (302, "https://example.com/pricing")
        token = click["human"].rsplit("/", 1)[1]
        for position in (0, len(token) // 2, len(token) - 1):  # one character edited: no redirect at all
            edited = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
            assert get(port, f"/t/c/{edited}") == (404, None)

        time.sleep(max(0.0, delivered + 5.5 - time.monotonic()))  # past the "too soon" window
        for name, agent in (("human", HUMAN), ("scanner", SCANNER)):
            assert get(port, pixel[name], agent)[0] == 200  # the open pixel
            for _ in range(CLICKS):
                assert get(port, click[name], agent) == (302, "https://example.com/pricing")

        assert wait_until(lambda: any(r.rcpt_tos == ["rep@example.com"] for r in smtp_sink.received), 10), "no rep notification"
        time.sleep(1.0)  # a second evaluation pass or two: nothing happens twice
        assert wait_until(lambda: _count(factory, EmailEvent) == 3 * CLICKS + 2, 5)  # every request recorded once
        notices = [r.message for r in smtp_sink.received if r.rcpt_tos == ["rep@example.com"]]
        assert [n["Subject"] for n in notices] == ["Sales-ready lead: Human"]
        with factory() as session:
            leads = {lead.first_name.lower(): lead for lead in session.scalars(select(Lead))}
            human = leads["human"]
            assert (human.lifecycle_stage, human.owner_team, human.owner.email) == ("sql", "sales", "rep@example.com")
            task = session.scalar(select(Task))
            assert session.scalar(select(func.count()).select_from(Task)) == 1
            assert (task.lead_id, task.kind, task.owner_user_id) == (human.id, "first_touch", human.owner_user_id)
            assert task.due_at == due_after_business_hours(task.created_at, 24) and task.due_at.strftime("%Y-%m-%d %H:%M") in notices[0].get_content()
            assert session.scalar(select(func.count()).select_from(LeadEvent).where(LeadEvent.kind == "owner_changed")) == 1
            for name in ("scanner", "instant"):
                assert (leads[name].lifecycle_stage, leads[name].owner_team) == ("lead", "marketing")
            reasons = {(e.lead_id, e.kind, e.machine_reason) for e in session.scalars(select(EmailEvent))}
            assert reasons == {
                (human.id, "open", None), (human.id, "click", None),
                (leads["scanner"].id, "open", "scanner or proxy user agent"), (leads["scanner"].id, "click", "scanner or proxy user agent"),
                (leads["instant"].id, "click", "clicked within 5 s of delivery"),
            }  # fmt: skip

        finished = FinishedJobRegistry(SEND, connection=redis_client).count
        processes["worker"].send_signal(signal.SIGSTOP)  # the worker is busy: the next message waits in its queue…
        with factory() as session:
            enroll(session, session.get(Sequence, second.id), leads["quitter"], now=datetime.now(UTC), by="test")
            session.commit()
        assert wait_until(lambda: _second_enrollment(factory, second.id)[2] is not None, 10), "never queued"
        unsubscribe = mail["quitter"]["List-Unsubscribe"].strip("<>").removeprefix(f"http://127.0.0.1:{port}")
        assert get(port, unsubscribe, method="POST", body="List-Unsubscribe=One-Click") == (200, None)  # …when the person leaves
        processes["worker"].send_signal(signal.SIGCONT)
        assert wait_until(lambda: FinishedJobRegistry(SEND, connection=redis_client).count > finished, 20), "the job never ran"
        assert _second_enrollment(factory, second.id)[:2] == ("exited", "Unsubscribed")
        assert [r.message["Subject"] for r in smtp_sink.received if r.rcpt_tos == ["quitter@example.com"]] == ["One"]
    finally:
        for process in processes.values():  # all at once: each takes a second or two to shut down cleanly
            process.send_signal(signal.SIGCONT)
            process.terminate()
        for process in processes.values():
            stop(process)


def _answers(port: int) -> bool:
    try:
        return get(port, "/t/o/x")[0] == 200
    except OSError:
        return False


def _count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _second_enrollment(factory, sequence_id: int) -> tuple[str | None, str | None, str | None]:
    with factory() as session:
        enrollment = session.scalar(select(Enrollment).where(Enrollment.sequence_id == sequence_id))
        return (enrollment.state, enrollment.exit_reason, enrollment.claim_token) if enrollment else (None, None, None)
