"""Admin: the job queues, the workers and the failed jobs (RQ's own data), with retry and delete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from nurture.models import Role
from nurture.web.auth import roles_required
from nurture.web.jobs import job_connection
from workers.queue_status import delete_failed, failed_jobs, queue_rows, retry_failed, worker_rows
from workers.queues import QUEUE_NAMES

bp = Blueprint("admin_queues", __name__, url_prefix="/queues")


@bp.get("/")
@roles_required(Role.ADMIN)
def index() -> Any:
    connection = job_connection()
    return render_template(
        "web/queues/index.html",
        queues=queue_rows(connection),
        workers=worker_rows(connection),
        failed=failed_jobs(connection),
    )


def _act(done: bool, message: str, job_id: str) -> Any:
    flash(message if done else f"Job {job_id} is no longer among the failed jobs.", "success" if done else "error")
    return redirect(url_for("admin_queues.index"), code=303)


def _checked(queue_name: str) -> str:
    if queue_name not in QUEUE_NAMES:
        abort(404)
    return queue_name


@bp.post("/<queue_name>/failed/<job_id>/retry")
@roles_required(Role.ADMIN)
def retry(queue_name: str, job_id: str) -> Any:
    done = retry_failed(job_connection(), _checked(queue_name), job_id)
    return _act(done, f"Job {job_id} is back on the {queue_name} queue.", job_id)


@bp.post("/<queue_name>/failed/<job_id>/delete")
@roles_required(Role.ADMIN)
def delete(queue_name: str, job_id: str) -> Any:
    return _act(delete_failed(job_connection(), _checked(queue_name), job_id), f"Job {job_id} deleted.", job_id)
