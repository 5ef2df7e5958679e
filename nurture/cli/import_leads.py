"""``nurture import leads FILE.csv``: a progress bar on stderr, the rejects file's path, one summary line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nurture.config import Settings
from nurture.db.engine import make_engine, make_sessionmaker
from nurture.errors import ValidationError
from nurture.leads.csv_columns import parse_overrides
from nurture.leads.importer import ImportFileError, LeadImport
from nurture.models import LeadSource


@click.group(name="import")
def import_group() -> None:
    """Import data from files."""


@import_group.command("leads")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option(
    "--source",
    type=click.Choice([s.value for s in LeadSource], case_sensitive=False),
    default=LeadSource.IMPORT.value,
    show_default=True,
    help="Source of the new leads (existing leads keep theirs).",
)
@click.option("--map", "maps", multiple=True, metavar='"HEADER=FIELD"', help="Map a column to a lead field, custom_<name> or ignore (repeatable).")  # fmt: skip
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Where rejected rows go [default: FILE.rejects.csv].")  # fmt: skip
def import_leads_command(file: Path, source: str, maps: tuple[str, ...], rejects: Path | None) -> None:
    """Import leads from FILE.csv: new emails are created, known ones updated, bad rows listed with the reason."""
    from tqdm import tqdm

    try:
        overrides = parse_overrides(maps)
    except ValidationError as exc:
        raise click.UsageError("; ".join(exc.errors.values())) from None
    rejects = rejects or file.with_name(f"{file.stem}.rejects.csv")
    if rejects.resolve() == file.resolve():
        raise click.UsageError("--rejects must not be the input file")
    if not rejects.parent.is_dir():
        raise click.UsageError(f"--rejects: there is no folder {rejects.parent}")
    engine = make_engine(Settings.from_env().database_url)
    try:
        with file.open("rb") as stream, make_sessionmaker(engine)() as session:
            try:
                job = LeadImport(stream, overrides)
            except ImportFileError as exc:
                raise click.ClickException(f"{file}: {exc}") from None
            if job.columns.ignored:
                click.echo(f"ignoring columns that match no lead field: {', '.join(job.columns.ignored)}", err=True)
            for note in job.columns.duplicates:
                click.echo(f"ignoring column {note}", err=True)
            size = file.stat().st_size
            with tqdm(total=size, unit="B", unit_scale=True, desc=f"importing {file.name}", file=sys.stderr) as bar:
                result = job.run(
                    session,
                    name=file.name,
                    rejects_path=rejects,
                    source=LeadSource(source),
                    on_progress=lambda done, _counts: bar.update(done - bar.n),
                )
    finally:
        engine.dispose()
    if result.rejects_path:
        click.echo(f"rejected rows, with the reason: {result.rejects_path}")
    click.echo(result.summary)
    if result.stopped:
        raise click.ClickException(f"{file}: {result.stopped}; the rows after it were not read")
