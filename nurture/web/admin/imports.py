"""Admin: upload a CSV of leads, see the counts, download the rejected rows.

The import runs inside the request for now (a job later): bodies up to
``UPLOAD_LIMIT_BYTES`` (50 MB, nurture/web/app.py) are accepted on the upload
alone. Each import's outcome and rejects file live in ``instance/imports/``
under a random token: file names never come from the user.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.leads.csv_columns import parse_overrides
from nurture.leads.importer import ImportFileError, LeadImport
from nurture.leads.validation import validate_enum
from nurture.models import LeadSource, Role
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_imports", __name__, url_prefix="/imports")

IMPORTERS = (Role.ADMIN, Role.MARKETER)
_TOKEN = re.compile(r"[0-9a-f]{32}")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str, suffix: str) -> Path:
    if not _TOKEN.fullmatch(token):
        abort(404)
    return _folder() / f"{token}{suffix}"


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
    try:
        job = LeadImport(upload.stream, overrides)
    except ImportFileError as exc:
        return _form(values, {"file": str(exc)}, 422)
    token = secrets.token_hex(16)
    result = job.run(
        db(),
        name=upload.filename or "upload.csv",
        rejects_path=_path(token, ".rejects.csv"),
        source=LeadSource(source),
        actor_id=current_user.id,
    )
    outcome = {**asdict(result), "rejects_path": None, "has_rejects": result.rejects_path is not None}
    outcome.update(at=utcnow().isoformat(), by=current_user.email)
    _path(token, ".json").write_text(json.dumps(outcome))
    # Redirect after POST: reloading the result page must not import the file again.
    return redirect(url_for("admin_imports.show", token=token), code=303)


@bp.get("/<token>")
@roles_required(*IMPORTERS)
def show(token: str) -> Any:
    path = _path(token, ".json")
    if not path.is_file():
        abort(404)
    return render_template("web/imports/result.html", result=json.loads(path.read_text()), token=token)


@bp.get("/<token>/rejects.csv")
@roles_required(*IMPORTERS)
def rejects(token: str) -> Any:
    path = _path(token, ".rejects.csv")
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=f"rejected-rows-{token[:8]}.csv")
