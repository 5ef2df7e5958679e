"""``nurture import leads FILE.csv``: import with a progress bar, a rejects file and a summary line."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click
from tqdm import tqdm

from nurture.config import Settings
from nurture.db.engine import make_engine, make_sessionmaker
from nurture.errors import ValidationError
from nurture.leads.csv_columns import parse_overrides
from nurture.leads.importer import ImportError_, import_leads
from nurture.leads.validation import validate_enum
from nurture.models import LeadSource


@click.group(name="import")
def import_group() -> None:
    """Import data from files."""


@import_group.command("leads")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--source", default="import", show_default=True, help="Lead source for new leads: " + ", ".join(s.value for s in LeadSource))
@click.option("--map", "maps", multiple=True, metavar='"HEADER=field"', help="Map a CSV header to a lead field (repeatable).")
@click.option("--rejects", type=click.Path(path_type=Path), default=None, help="Where rejected rows go (default FILE.rejects.csv).")
def import_leads_command(file: Path, source: str, maps: tuple[str, ...], rejects: Path | None) -> None:
    """Import leads from FILE.csv; existing emails are updated, bad rows go to a rejects CSV."""
    if not file.is_file():
        raise click.ClickException(f"{file}: no such file")
    lead_source, error = validate_enum(LeadSource, source)
    if error:
        raise click.ClickException(f"--source: {error}")
    try:
        overrides = parse_overrides(maps)
    except ValidationError as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from None
    rejects = rejects or file.with_name(file.stem + ".rejects.csv")
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    size = file.stat().st_size
    with make_sessionmaker(engine)() as session, file.open("rb") as raw, tqdm(
        total=size, unit="B", unit_scale=True, desc=f"importing {file.name}", file=sys.stderr, mininterval=0.5
    ) as bar:
        stream = io.TextIOWrapper(
            io.BufferedReader(_Counting(raw, bar)), encoding="utf-8-sig", errors="replace", newline=""
        )

        def columns(mapping: dict[int, str], ignored: list[str]) -> None:
            if ignored:
                click.echo(f"ignored columns (no matching field): {', '.join(ignored)}", err=True)

        try:
            result = import_leads(
                session, stream, name=file.name, rejects_path=rejects, source=lead_source, overrides=overrides, on_columns=columns
            )
        except ImportError_ as exc:
            raise click.ClickException(str(exc)) from None
    engine.dispose()
    click.echo(result.summary)
    if result.rejects_path:
        click.echo(f"rejected rows and their reasons: {result.rejects_path}")


class _Counting(io.RawIOBase):
    """Reads the file and moves the progress bar by the bytes read (no first pass to count rows)."""

    def __init__(self, raw: io.BufferedReader, bar: tqdm):  # type: ignore[type-arg]
        self.raw = raw
        self.bar = bar

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self.raw.seek(offset, whence)
        self.bar.n = position  # the delimiter sniffing reads ahead, then rewinds
        return position

    def tell(self) -> int:
        return self.raw.tell()

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        count = self.raw.readinto(buffer)
        self.bar.update(count)
        return count
