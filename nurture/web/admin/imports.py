"""Admin: upload a CSV of leads, see the counts, download the rejected rows."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user

from nurture.errors import ValidationError
from nurture.leads.csv_columns import parse_overrides
from nurture.leads.importer import ImportError_, import_leads, open_csv
from nurture.leads.validation import validate_enum
from nurture.models import LeadSource, Role, User
from nurture.web.auth import roles_required
from nurture.web.db import db

bp = Blueprint("admin_imports", __name__, url_prefix="/imports")

def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@bp.get("/")
@roles_required(Role.ADMIN, Role.MARKETER)
def new() -> Any:
    return render_template("web/imports/new.html", sources=list(LeadSource), values={"source": "import"}, errors={})


@bp.post("/")  # accepts up to UPLOAD_LIMIT_BYTES (nurture/web/app.py): larger than other bodies
@roles_required(Role.ADMIN, Role.MARKETER)
def create() -> Any:
    upload = request.files.get("file")
    values = {"source": request.form.get("source", "import"), "map": request.form.get("map", "")}
    errors: dict[str, str] = {}
    source, error = validate_enum(LeadSource, values["source"])
    if error:
        errors["source"] = error
    try:
        overrides = parse_overrides(line for line in values["map"].splitlines() if line.strip())
    except ValidationError as exc:
        errors.update(exc.errors)
        overrides = {}
    if upload is None or not upload.filename:
        errors["file"] = "Choose a CSV file"
    if errors:
        return render_template("web/imports/new.html", sources=list(LeadSource), values=values, errors=errors), 422
    token = secrets.token_hex(12)  # our own file names: never the user's
    path = _folder() / f"{token}.csv"
    upload.save(path)  # type: ignore[union-attr]
    session = db()
    actor = session.get(User, current_user.id)
    try:
        with open_csv(path) as stream:
            result = import_leads(
                session, stream, name=upload.filename or "upload.csv", rejects_path=_folder() / f"{token}.rejects.csv",  # type: ignore[union-attr]
                source=source, overrides=overrides, actor=actor,  # type: ignore[arg-type]
            )  # fmt: skip
    except ImportError_ as exc:
        errors["file"] = str(exc)
        return render_template("web/imports/new.html", sources=list(LeadSource), values=values, errors=errors), 422
    finally:
        path.unlink(missing_ok=True)
    return render_template("web/imports/result.html", result=result, token=token if result.rejects_path else None)


@bp.get("/<token>/rejects.csv")
@roles_required(Role.ADMIN, Role.MARKETER)
def rejects(token: str) -> Any:
    if len(token) != 24 or not all(c in "0123456789abcdef" for c in token):
        abort(404)
    path = _folder() / f"{token}.rejects.csv"
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="rejected-rows.csv")
