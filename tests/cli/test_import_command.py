"""`nurture import leads` as a user runs it: progress on stderr, one summary line, a rejects file."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nurture.db.engine import make_sessionmaker
from nurture.models import Lead
from tests.databases import backends, migrated_database


def run(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    env.update(NURTURE_DATABASE_URL=url, NURTURE_INSTANCE_PATH=str(tmp))
    return subprocess.run([sys.executable, "-m", "nurture.cli", "import", "leads", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("backend", backends())
def test_import_prints_progress_a_summary_and_writes_rejects(tmp_path, backend):
    rows = ["Email,First Name,Country"] + [f"lead{n}@example.com,Lead {n},US" for n in range(2000)] + ["broken,,", "lead1@example.com,Again,US"]
    source = tmp_path / "contacts.csv"
    source.write_text("\n".join(rows) + "\n")
    with migrated_database(backend, tmp_path) as (url, engine):
        result = run(url, tmp_path, str(source), "--source", "webinar")
        assert result.returncode == 0, result.stderr
        assert "rows read 2002: imported 2000, updated 1, rejected 1" in result.stdout
        assert "importing contacts.csv" in result.stderr and "100%" in result.stderr  # the progress bar
        with (tmp_path / "contacts.rejects.csv").open(newline="") as fh:
            (reject,) = list(csv.DictReader(fh))
        assert reject["Email"] == "broken" and reject["errors"] == "email: Email address invalid"
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Lead)) == 2000
            assert set(session.scalars(select(Lead.source).distinct())) == {"webinar"}


def test_unusable_input_fails_with_a_clear_message(tmp_path):
    with migrated_database("sqlite", tmp_path) as (url, _engine):
        missing = run(url, tmp_path, str(tmp_path / "nope.csv"))
        assert missing.returncode != 0 and "no such file" in missing.stderr
        no_email = tmp_path / "x.csv"
        no_email.write_text("name,phone\nBob,1\n")
        result = run(url, tmp_path, str(no_email))
        assert result.returncode != 0 and "No email column" in result.stderr
        bad_source = run(url, tmp_path, str(no_email), "--source", "moon")
        assert bad_source.returncode != 0 and "--source" in bad_source.stderr
        bad_map = run(url, tmp_path, str(no_email), "--map", "name")
        assert bad_map.returncode != 0 and "Header=lead field" in bad_map.stderr.replace('"CSV header=lead field"', "Header=lead field")
