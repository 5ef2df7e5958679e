"""`nurture import leads` as a user runs it: progress on stderr, the rejects file, one summary line."""

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
    env.update(NURTURE_DATABASE_URL=url, NURTURE_INSTANCE_PATH=str(tmp / "instance"))
    return subprocess.run(
        [sys.executable, "-m", "nurture.cli", "import", "leads", *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def stored(engine) -> dict[str, Lead]:
    with make_sessionmaker(engine)() as session:
        return {lead.email: lead for lead in session.scalars(select(Lead))}


@pytest.mark.parametrize("backend", backends())
def test_an_import_shows_progress_writes_the_rejects_and_ends_with_one_summary_line(tmp_path, backend):
    rows = ["Work Email;Given name;Country;Shoe size"]
    rows += [f"lead{n}@example.com;Lead {n};US;4{n % 10}" for n in range(2500)]  # three chunks
    rows += ["broken;Bob;US;44", "lead1@example.com;Again;;", "lead2@example.com;Two;Narnia;"]
    source = tmp_path / "contacts.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    with migrated_database(backend, tmp_path) as (url, engine):
        result = run(url, tmp_path, str(source), "--source", "webinar", "--map", "Work Email=email")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[-1] == "rows read 2503: imported 2500, updated 1, rejected 2"
        assert lines[-2] == f"rejected rows, with the reason: {tmp_path / 'contacts.rejects.csv'}"
        assert "ignoring columns that match no lead field: Shoe size" in result.stderr
        assert "importing contacts.csv" in result.stderr and "100%" in result.stderr  # the progress bar
        with (tmp_path / "contacts.rejects.csv").open(newline="", encoding="utf-8-sig") as fh:
            rejects = list(csv.DictReader(fh, delimiter=";"))
        assert [(r["Work Email"], r["row_number"], r["errors"]) for r in rejects] == [
            ("broken", "2502", "email: Email address invalid"),
            ("lead2@example.com", "2504", "country: Country invalid (ISO 3166 code expected, e.g. DE)"),
        ]
        leads = stored(engine)
        assert len(leads) == 2500 and {lead.source for lead in leads.values()} == {"webinar"}
        assert (leads["lead1@example.com"].first_name, leads["lead2@example.com"].first_name) == ("Again", "Lead 2")


def test_fixed_rejects_can_be_imported_again(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("email,first_name\nada@example.com,Ada\nbob@example,Bob\n")
    with migrated_database("sqlite", tmp_path) as (url, engine):
        first = run(url, tmp_path, str(source), "--rejects", str(tmp_path / "out" / "bad.csv"))
        assert first.returncode != 0 and "out" in first.stderr  # no folder for the rejects: said, not a traceback
        (tmp_path / "out").mkdir()
        first = run(url, tmp_path, str(source), "--rejects", str(tmp_path / "out" / "bad.csv"))
        assert first.stdout.splitlines()[-1] == "rows read 2: imported 1, updated 0, rejected 1"
        fixed = (
            (tmp_path / "out" / "bad.csv").read_text(encoding="utf-8-sig").replace("bob@example,", "bob@example.com,")
        )
        (tmp_path / "fixed.csv").write_text(fixed)
        again = run(url, tmp_path, str(tmp_path / "fixed.csv"))
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines() == ["rows read 1: imported 1, updated 0, rejected 0"]
        assert "row_number, errors" in again.stderr  # our own columns: ignored, and said so
        assert set(stored(engine)) == {"ada@example.com", "bob@example.com"}


def test_unusable_input_fails_with_a_clear_message_and_imports_nothing(tmp_path):
    no_email = tmp_path / "people.csv"
    no_email.write_text("name,phone\nBob,1\n")
    binary = tmp_path / "sheet.csv"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x02\x9c" * 50)
    good = tmp_path / "good.csv"
    good.write_text("email\na@example.com\n")
    with migrated_database("sqlite", tmp_path) as (url, engine):
        cases = [
            ((str(tmp_path / "nope.csv"),), "does not exist"),
            ((str(no_email),), "No email column"),
            ((str(binary),), "Not a CSV text file in UTF-8"),
            ((str(good), "--source", "moon"), "'moon' is not one of"),
            ((str(good), "--map", "email"), 'write "CSV header=lead field"'),
            ((str(good), "--map", "Mail=email"), "does not have: mail"),
        ]
        for args, message in cases:
            result = run(url, tmp_path, *args)
            assert result.returncode != 0, args
            assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
            assert "rows read" not in result.stdout
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Lead)) == 0
