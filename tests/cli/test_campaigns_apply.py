"""`nurture campaigns apply`: sequences from files, idempotent, versioned on change, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from campaigns.models import Sequence, SequenceVersion
from nurture.db.engine import make_sessionmaker
from tests.databases import migrated_database

EXAMPLES = Path(__file__).resolve().parents[2] / "campaigns" / "examples"


def run(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    env.update(NURTURE_DATABASE_URL=url, NURTURE_INSTANCE_PATH=str(tmp))
    return subprocess.run([sys.executable, "-m", "nurture.cli", "campaigns", "apply", *args], env=env, capture_output=True, text=True, timeout=60)


def test_apply_creates_then_is_idempotent_then_versions_a_change(tmp_path):
    with migrated_database("sqlite", tmp_path) as (url, engine):
        first = run(url, tmp_path, str(EXAMPLES))
        assert first.returncode == 0, first.stderr
        assert "Welcome nurture: created" in first.stdout
        assert "unchanged" in run(url, tmp_path, str(EXAMPLES / "welcome.yaml")).stdout

        changed = tmp_path / "welcome.yaml"
        changed.write_text((EXAMPLES / "welcome.yaml").read_text().replace("In case you missed it", "Still curious?").replace("status: draft", "status: active"))
        result = run(url, tmp_path, str(changed))
        assert "new version" in result.stdout, result.stderr
        with make_sessionmaker(engine)() as session:
            sequence = session.scalar(select(Sequence))
            assert sequence.status == "active"
            assert session.scalar(select(SequenceVersion.number).where(SequenceVersion.id == sequence.current_version_id)) == 2


def test_apply_reports_errors_per_file_and_changes_nothing(tmp_path):
    with migrated_database("sqlite", tmp_path) as (url, engine):
        bad = tmp_path / "bad.yaml"
        bad.write_text("name: Broken\ndefinition:\n  steps:\n    - {type: email, subject: Hi}\n")
        garbage = tmp_path / "garbage.yaml"
        garbage.write_text("name: [unclosed\n")
        result = run(url, tmp_path, str(tmp_path))
        assert result.returncode == 2
        assert "bad.yaml: error: definition.steps[0].html: Required field missing" in result.stderr
        assert "garbage.yaml: error: file: garbage.yaml: not valid YAML" in result.stderr
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(Sequence)) is None
