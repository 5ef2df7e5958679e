"""The ``nurture`` console script."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nurture.config import Settings
from nurture.db.engine import make_engine, make_sessionmaker
from nurture.errors import ValidationError


def _settings() -> Settings:
    return Settings.from_env()


def _session(settings: Settings):  # type: ignore[no-untyped-def]
    return make_sessionmaker(make_engine(settings.database_url))()


def _fail(errors: dict[str, str]) -> None:
    for field, message in errors.items():
        click.echo(f"error: {field}: {message}", err=True)
    sys.exit(2)


@click.group()
def cli() -> None:
    """Nurture: email nurture and outreach automation."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def up(host: str, port: int) -> None:
    """Migrate, then run web, worker and scheduler together (embedded defaults)."""
    from nurture.runtime.up import run_up

    sys.exit(run_up(_settings(), host=host, port=port))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def web(host: str, port: int, workers: int) -> None:
    """Serve the admin, API and public endpoints with gunicorn."""
    from nurture.web.server import serve

    serve(_settings(), host=host, port=port, workers=workers)


@cli.command()
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker on the urgent, send and default queues."""
    from workers.worker import run_worker

    run_worker(_settings(), burst=burst)


@cli.command()
def scheduler() -> None:
    """Run the scheduler loop (periodic work, due-work claiming)."""
    from workers.scheduler import run_scheduler

    run_scheduler(_settings())


@cli.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations."""
    from nurture.db.migrate import upgrade

    upgrade(_settings().database_url)
    click.echo("database is up to date")


@cli.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "marketer", "rep"]))
@click.option("--password", default=None, help="Generated and printed when not given.")
@click.option("--name", default="")
def users_create(email: str, role: str, password: str | None, name: str) -> None:
    """Create a user; prints a generated password when none is given (never prompts)."""
    from nurture.users.accounts import create_user

    with _session(_settings()) as session:
        try:
            user, generated = create_user(session, email, role, password=password, name=name)
        except ValidationError as exc:
            _fail(exc.errors)
        session.commit()
        click.echo(f"created {user.role.value} {user.email}")
        if password is None:
            click.echo(f"password: {generated}")


@cli.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="cli")
def tokens_create(email: str, name: str) -> None:
    """Create an API token for a user; the token is the last word printed."""
    from nurture.users.accounts import find_user
    from nurture.users.tokens import create_token

    with _session(_settings()) as session:
        user = find_user(session, email)
        if user is None or not user.active:
            _fail({"email": "No active user with this email address"})
        token = create_token(session, user, name)
        session.commit()
        click.echo(f"API token for {user.email} (shown once): {token}")


@cli.group()
def campaigns() -> None:
    """Sequences kept as files."""


@campaigns.command("apply")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def campaigns_apply(path: Path) -> None:
    """Create or update sequences from YAML/JSON files (a file or a folder of them)."""
    from campaigns.apply import apply_file, sequence_files

    failed = False
    with _session(_settings()) as session:
        for file in sequence_files(path):
            try:
                applied = apply_file(session, file)
                click.echo(f"{file}: {applied.name}: {applied.action}")
            except ValidationError as exc:
                session.rollback()
                failed = True
                for field, message in exc.errors.items():
                    click.echo(f"{file}: error: {field}: {message}", err=True)
    sys.exit(2 if failed else 0)


def _register_imports() -> None:
    from nurture.cli.import_leads import import_group

    cli.add_command(import_group)


_register_imports()


def main() -> None:
    cli()
