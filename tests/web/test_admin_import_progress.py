"""A CSV import runs as a job: the page shows its progress, and a failed import keeps its file for a retry."""

from __future__ import annotations

import re

from rq.job import Job
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from nurture.models import Lead, Role
from tests.conftest import login
from tests.jobs import work_off
from tests.web.test_admin_imports import csrf, upload
from workers.progress import ProgressBoard

BODY = b"email,first name\nada@example.com,Ada\nbob@example.com,Bob\nnot-an-email,Eve\n"


def leads(session) -> int:
    return session.scalar(select(func.count()).select_from(Lead))


def test_the_progress_endpoint_follows_the_job_from_queued_to_finished(client, session, make_account, settings, session_factory):
    login(client, make_account(Role.MARKETER))
    page_url = upload(client, BODY).headers["Location"]
    token = page_url.rsplit("/", 1)[1]

    waiting = client.get(f"{page_url}/progress.json")
    assert waiting.status_code == 200 and waiting.headers["Cache-Control"] == "no-store"
    assert waiting.json == {"state": "queued", "done": 0, "total": 0, "percent": 0, "counts": {}, "error": None}
    page = client.get(page_url).get_data(as_text=True)
    assert f'data-progress-url="/imports/{token}/progress.json"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page  # works without JavaScript
    assert "job_progress.js" in page and 'data-count="rejected">0<' in page

    work_off(settings, session_factory)

    done = client.get(f"{page_url}/progress.json").json
    assert done["state"] == "finished" and done["percent"] == 100
    assert done["counts"] == {"read": 3, "imported": 2, "updated": 0, "rejected": 1}
    page = client.get(page_url).get_data(as_text=True)
    assert [re.search(rf'data-count="{n}">(\d+)<', page).group(1) for n in ("read", "imported", "updated", "rejected")] == ["3", "2", "0", "1"]
    assert f"/imports/{token}/rejects.csv" in page and 'http-equiv="refresh"' not in page
    assert leads(session) == 2
    # What the job reported on its way: every byte of the file read, the final counts.
    progress = ProgressBoard(client.application.extensions["nurture.jobs_redis"]).read(f"import-{token}")
    assert (progress.done, progress.total) == (len(BODY), len(BODY))
    assert progress.counts == {"read": 3, "imported": 2, "updated": 0, "rejected": 1}
    assert not (settings.instance_path / "imports" / f"{token}.csv").exists()  # imported: the upload is removed


def test_a_worker_that_cannot_reach_the_database_fails_clearly_and_the_import_can_be_retried(
    client, session, make_account, settings, session_factory, tmp_path
):
    login(client, make_account(Role.ADMIN))
    page_url = upload(client, BODY).headers["Location"]
    token = page_url.rsplit("/", 1)[1]
    broken = sessionmaker(bind=create_engine(f"sqlite:///{tmp_path}/missing/folder/nurture.db"))

    work_off(settings, broken)

    assert client.get(f"{page_url}/progress.json").json["state"] == "failed"
    page = client.get(page_url).get_data(as_text=True)
    assert "The job failed:" in page and "OperationalError" in page and "unable to open database file" in page
    assert "Retry the import" in page and 'http-equiv="refresh"' not in page
    assert (settings.instance_path / "imports" / f"{token}.csv").read_bytes() == BODY  # the upload is kept
    assert leads(session) == 0

    no_csrf = client.post(f"{page_url}/retry")
    assert no_csrf.status_code == 400
    retried = client.post(f"{page_url}/retry", data={"csrf_token": csrf(client)})
    assert retried.status_code == 303 and retried.headers["Location"] == page_url
    assert client.get(f"{page_url}/progress.json").json["state"] == "queued"
    work_off(settings, session_factory)
    assert 'data-count="imported">2<' in client.get(page_url).get_data(as_text=True)
    assert leads(session) == 2
    assert client.post(f"{page_url}/retry", data={"csrf_token": csrf(client)}).status_code == 409  # finished: nothing to retry


def test_a_job_lost_from_redis_is_shown_as_failed_with_a_retry(client, session, make_account, settings, session_factory):
    login(client, make_account(Role.MARKETER))
    page_url = upload(client, BODY).headers["Location"]
    token = page_url.rsplit("/", 1)[1]
    Job.fetch(f"import-{token}", connection=client.application.extensions["nurture.jobs_redis"]).delete()

    page = client.get(page_url).get_data(as_text=True)
    assert "no longer in the queue" in page and "Retry the import" in page
    client.post(f"{page_url}/retry", data={"csrf_token": csrf(client)})
    work_off(settings, session_factory)
    assert leads(session) == 2

