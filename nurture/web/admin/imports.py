"""Admin: upload a CSV of leads; a worker imports it while the page shows its progress; then the
counts, and the rejected rows to download.

Bodies up to ``UPLOAD_LIMIT_BYTES`` (50 MB, nurture/web/app.py) are accepted on the upload alone.
The file's header and column mapping are checked here, so a file that cannot be imported at all is
refused at once; the rows are read by the job (workers/import_jobs.py). The upload, the request,
the outcome and the rejects live in ``instance/imports/`` (nurture/leads/import_files.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.leads.csv_columns import parse_overrides
from nurture.leads.import_files import ImportFiles, new_token, valid_token
from nurture.leads.importer import ImportFileError, LeadImport, display_name
from nurture.leads.validation import validate_enum
from nurture.models import LeadSource, Role
from nurture.web.auth import roles_required
from nurture.web.jobs import progress_json, progress_of, start_job
from workers.import_jobs import import_job_id, run_import
from workers.job_status import GONE
from workers.progress import FAILED, FINISHED, Progress

bp = Blueprint("admin_imports", __name__, url_prefix="/imports")

IMPORTERS = (Role.ADMIN, Role.MARKETER)


def _files() -> ImportFiles:
    return ImportFiles(Path(current_app.instance_path) / "imports")


def _path(token: str, kind: str) -> Path:
    if not valid_token(token):
        abort(404)
    return _files().path(token, kind)


def _outcome(token: str) -> dict[str, Any] | None:
    return _files().read_json(token, "outcome") if valid_token(token) else None


def _form(values: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    return render_template("web/imports/new.html", sources=list(LeadSource), values=values, errors=errors), status


@bp.get("/")
@roles_required(*IMPORTERS)
def new() -> Any:
    return _form({"source": LeadSource.IMPORT.value, "map": ""}, {})


@bp.post("/")
@roles_required(*IMPORTERS)
def create() -> Any:
    values = {"source": request.form.get("source", ""), "map": request.form.get("map", "")}
    errors: dict[str, str] = {}
    source, error = validate_enum(LeadSource, values["source"])
    if error:
        errors["source"] = error
    overrides: dict[str, str] = {}
    try:
        overrides = parse_overrides(line for line in values["map"].splitlines() if line.strip())
    except ValidationError as exc:
        errors.update(exc.errors)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = "Choose a CSV file"
    if errors or upload is None:
        return _form(values, errors, 422)
    token = new_token()
    kept = _path(token, "upload")
    upload.save(kept)
    try:
        with kept.open("rb") as stream:
            LeadImport(stream, overrides)  # the header and the mapping: refused now, not in the worker
    except ImportFileError as exc:
        kept.unlink()
        return _form(values, {"file": str(exc)}, 422)
    name = display_name(upload.filename or "upload.csv")
    asked = {"name": name, "source": source, "overrides": overrides, "actor_id": current_user.id,
             "by": current_user.email, "at": utcnow().isoformat()}  # fmt: skip
    _files().write_json(token, "request", asked)
    _start(token, name)
    # Redirect after POST: reloading the progress page must not import the file again.
    return redirect(url_for("admin_imports.show", token=token), code=303)


def _start(token: str, name: str) -> None:
    start_job(import_job_id(token), run_import, token, context={"name": name})


def _progress(token: str) -> tuple[dict[str, Any], Progress]:
    """The import's request and its progress (failed when the job is gone without an outcome)."""
    asked = _files().read_json(token, "request") if valid_token(token) else None
    if asked is None:
        abort(404)
    progress = progress_of(import_job_id(token)) or Progress(FAILED, error=GONE)
    return asked, progress


@bp.get("/<token>")
@roles_required(*IMPORTERS)
def show(token: str) -> Any:
    result = _outcome(token)
    if result is not None:
        return render_template("web/imports/result.html", result=result, token=token)
    asked, progress = _progress(token)
    can_retry = progress.state == FAILED and _path(token, "upload").is_file()
    return render_template(
        "web/imports/progress.html", asked=asked, progress=progress, token=token, can_retry=can_retry
    )


@bp.get("/<token>/progress.json")
@roles_required(*IMPORTERS)
def progress(token: str) -> Any:
    result = _outcome(token)
    if result is not None:  # the durable outcome, even after Redis forgot the job
        return progress_json(Progress(FINISHED, counts=result.get("counts", {})))
    return progress_json(_progress(token)[1])


@bp.post("/<token>/retry")
@roles_required(*IMPORTERS)
def retry(token: str) -> Any:
    asked, progress = _progress(token)
    if progress.state != FAILED or not _path(token, "upload").is_file():
        abort(409)
    _start(token, asked["name"])
    return redirect(url_for("admin_imports.show", token=token), code=303)


@bp.get("/<token>/rejects.csv")
@roles_required(*IMPORTERS)
def rejects(token: str) -> Any:
    path = _path(token, "rejects")
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=f"rejected-rows-{token[:8]}.csv")
