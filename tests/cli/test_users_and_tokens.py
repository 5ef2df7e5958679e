"""The admin commands, run as a user would: the real console script against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from nurture.db.engine import make_engine, make_sessionmaker
from nurture.models import ApiToken, User
from nurture.users.accounts import authenticate
from nurture.users.tokens import user_for_token


@pytest.fixture
def run(database, tmp_path: Path):
    """Run `nurture …` in a subprocess against the test database (its committed state)."""

    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
        env.update(NURTURE_DATABASE_URL=database.url, NURTURE_INSTANCE_PATH=str(tmp_path / "instance"))
        return subprocess.run(
            [sys.executable, "-m", "nurture.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )

    yield _run
    with make_sessionmaker(database.engine)() as session:  # these commands commit: clean up after them
        for user in session.scalars(select(User).where(User.email.like("cli-%"))):
            session.delete(user)
        session.commit()


def test_users_create_prints_a_generated_password_that_logs_in(run, database):
    result = run("users", "create", "CLI-Rep@Example.com", "--role", "rep")
    assert result.returncode == 0, result.stderr
    password = result.stdout.strip().splitlines()[-1].split()[-1]
    with make_sessionmaker(database.engine)() as session:
        user = authenticate(session, "cli-rep@example.com", password)
        assert user is not None and user.role == "rep"


def test_users_create_with_a_given_password_prints_none(run, database):
    result = run("users", "create", "cli-m@example.com", "--role", "marketer", "--password", "a long enough secret")
    assert result.returncode == 0
    assert "password" not in result.stdout
    with make_sessionmaker(database.engine)() as session:
        assert authenticate(session, "cli-m@example.com", "a long enough secret") is not None


def test_users_create_refuses_bad_input_clearly(run, database):
    bad_email = run("users", "create", "not-an-email", "--role", "rep")
    assert bad_email.returncode == 2 and "email: Email address invalid" in bad_email.stderr
    bad_role = run("users", "create", "cli-x@example.com", "--role", "owner")
    assert bad_role.returncode == 2 and "owner" in bad_role.stderr
    short = run("users", "create", "cli-y@example.com", "--role", "rep", "--password", "short")
    assert short.returncode == 2 and "password: Too short" in short.stderr
    run("users", "create", "cli-dup@example.com", "--role", "rep")
    dup = run("users", "create", "cli-dup@example.com", "--role", "admin")
    assert dup.returncode == 2 and "already exists" in dup.stderr
    with make_sessionmaker(database.engine)() as session:
        emails = set(session.scalars(select(User.email).where(User.email.like("cli-%"))))
    assert emails == {"cli-dup@example.com"}


def test_tokens_create_prints_the_token_last_and_stores_only_its_hash(run, database):
    run("users", "create", "cli-api@example.com", "--role", "marketer")
    result = run("tokens", "create", "cli-api@example.com")
    assert result.returncode == 0, result.stderr
    token = result.stdout.split()[-1]
    with make_sessionmaker(database.engine)() as session:
        assert user_for_token(session, token).email == "cli-api@example.com"
        hashes = list(session.scalars(select(ApiToken.token_hash)))
        assert token not in hashes and all(len(h) == 64 for h in hashes)


def test_tokens_create_for_an_unknown_user_fails(run):
    result = run("tokens", "create", "cli-nobody@example.com")
    assert result.returncode == 2 and "No active user" in result.stderr


def test_db_upgrade_is_idempotent(run):
    assert run("db", "upgrade").returncode == 0
    assert "up to date" in run("db", "upgrade").stdout


def test_the_database_url_may_point_at_a_fresh_sqlite_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    env["NURTURE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.db'}"
    env["NURTURE_INSTANCE_PATH"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "nurture.cli", "db", "upgrade"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    engine = make_engine(env["NURTURE_DATABASE_URL"])
    from alembic.script import ScriptDirectory

    from nurture.db.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(env["NURTURE_DATABASE_URL"])).get_current_head()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select version_num from alembic_version").scalar() == head
    engine.dispose()
