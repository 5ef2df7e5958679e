"""The queue page: RQ's queues, workers and failed jobs, with retry and delete, for admins only."""

from __future__ import annotations

import re

from rq import SimpleWorker
from rq.job import Job

from nurture.models import Role
from tests.conftest import login
from tests.jobs import work_off, workers_seen_from_a_job
from tests.web.test_admin_imports import csrf
from workers.connection import redis_connection
from workers.import_jobs import run_import
from workers.queue_status import worker_rows
from workers.queues import DEFAULT, URGENT, queue

MISSING = "f" * 32


def test_an_admin_sees_failed_jobs_with_their_error_and_retries_or_deletes_them(client, make_account, settings, session_factory):
    connection = redis_connection(settings)
    first = queue(DEFAULT, connection).enqueue(run_import, MISSING)
    second = queue(DEFAULT, connection).enqueue(run_import, "e" * 32)
    work_off(settings, session_factory)
    queue(URGENT, connection).enqueue(run_import, MISSING)  # waiting: no worker now
    login(client, make_account(Role.ADMIN))

    page = client.get("/queues/").get_data(as_text=True)
    assert re.search(r'<tr data-queue="default"><th scope="row">default</th><td data-queued>0</td>.*<td data-failed>2</td>', page)
    assert re.search(r'<tr data-queue="urgent"><th scope="row">urgent</th><td data-queued>1</td>', page)
    assert "No worker is running: queued jobs wait." in page
    assert f'data-failed-job="{first.id}"' in page and f'data-failed-job="{second.id}"' in page
    assert f"FileNotFoundError: No import request {MISSING}" in page and "Traceback" in page

    token = csrf(client, "/queues/")
    retried = client.post(f"/queues/default/failed/{first.id}/retry", data={"csrf_token": token})
    assert retried.status_code == 303
    assert f"Job {first.id} is back on the default queue." in client.get("/queues/").get_data(as_text=True)
    assert Job.fetch(first.id, connection=connection).get_status() == "queued"
    client.post(f"/queues/default/failed/{second.id}/delete", data={"csrf_token": token})
    page = client.get("/queues/").get_data(as_text=True)
    assert f"Job {second.id} deleted." in page and "No failed jobs." in page
    assert not Job.exists(second.id, connection=connection)

    again = client.post(f"/queues/default/failed/{second.id}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "is no longer among the failed jobs" in again.get_data(as_text=True)
    assert client.post(f"/queues/nowhere/failed/{first.id}/retry", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/queues/default/failed/{first.id}/delete").status_code == 400  # no CSRF token
    assert Job.exists(first.id, connection=connection)


def test_workers_are_listed_with_their_state_and_current_job(client, make_account, settings, session_factory):
    connection = redis_connection(settings)
    job = queue(DEFAULT, connection).enqueue(workers_seen_from_a_job)
    work_off(settings, session_factory)
    assert job.return_value() == [("busy", job.description)]

    idle = SimpleWorker([queue(DEFAULT, connection)], connection=connection, name="idle-worker")
    idle.register_birth()
    idle.set_state("idle")  # what a worker does before it waits for a job
    try:
        assert [(row.name, row.state) for row in worker_rows(connection)] == [("idle-worker", "idle")]
        login(client, make_account(Role.ADMIN))
        page = client.get("/queues/").get_data(as_text=True)
        assert "idle-worker" in page and "<td data-worker-state>idle</td>" in page
    finally:
        idle.register_death()


def test_long_work_pages_are_for_their_roles_only(client, make_account):
    login(client, make_account(Role.REP))
    token = csrf(client, "/leads/")
    for url in ("/queues/", f"/imports/{MISSING}/progress.json"):
        assert client.get(url).status_code == 403, url
    for url in (f"/queues/default/failed/{MISSING}/retry", f"/queues/default/failed/{MISSING}/delete", f"/imports/{MISSING}/retry"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    # Reps enroll their own leads in cadences from a filter (tests/campaigns/test_cadence_enrollment_rules.py):
    # the form is theirs; another's run is not found.
    assert client.get("/leads/enroll/").status_code == 200
    assert client.get(f"/leads/enroll/{MISSING}").status_code == 404
    assert "/queues/" not in client.get("/leads/").get_data(as_text=True)  # not in a rep's navigation
    client.post("/logout", data={"csrf_token": token})
    login(client, make_account(Role.MARKETER))
    assert client.get("/queues/").status_code == 403
    assert "Enroll all" not in client.get("/leads/").get_data(as_text=True)  # no leads: no button


def test_without_redis_the_job_pages_say_what_is_missing(settings, session_factory, make_account):
    from nurture.web.app import create_app

    app = create_app(settings.with_(redis_url=None), session_factory=session_factory, test_config={"TESTING": True})
    client = app.test_client()
    login(client, make_account(Role.ADMIN))
    response = client.get("/queues/")
    assert response.status_code == 503
    assert "Background jobs need Redis: set NURTURE_REDIS_URL" in response.get_data(as_text=True)
