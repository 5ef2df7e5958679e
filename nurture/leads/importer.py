"""Importing leads from a CSV file: validated like every other capture, deduplicated on email,
nothing silently dropped (imported + updated + rejected = rows read).

Rows are validated one by one (``validate_lead_input``, the API's rules) and
written in chunks, one transaction each (see ``import_chunk``): a crash loses
at most the chunk in flight, and other writers get the database between chunks.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.leads.csv_columns import ColumnMap, map_columns
from nurture.leads.csv_reading import CsvSource, ImportFileError, Record
from nurture.leads.import_chunk import ChunkOutcome, write_chunk
from nurture.leads.validation import LeadInput, validate_lead_input
from nurture.models import LeadSource

__all__ = ["CHUNK_ROWS", "ImportFileError", "ImportResult", "LeadImport", "import_leads"]

CHUNK_ROWS = 1000
# A concurrent capture may insert a chunk's email or domain first; the retry then sees it and updates.
ATTEMPTS = 3
_REJECT_COLUMNS = ["row_number", "errors"]


@dataclass
class ImportResult:
    name: str
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    blank_rows: int = 0  # empty lines: not rows, not counted
    ignored_columns: list[str] = field(default_factory=list)
    duplicate_columns: list[str] = field(default_factory=list)
    rejects_path: Path | None = None  # None when no row was rejected
    stopped: str | None = None  # why reading ended before the end of the file

    @property
    def summary(self) -> str:
        return f"rows read {self.rows_read}: imported {self.imported}, updated {self.updated}, rejected {self.rejected}"


def display_name(name: str) -> str:
    """The file's own name, safe for a timeline reason: no folders, no control characters."""
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[\x00-\x1f\x7f]+", " ", base).strip()[:200] or "upload.csv"


class _Rejects:
    """The rejects CSV: the original columns, ``row_number`` and ``errors`` (written only if needed)."""

    def __init__(self, path: Path, header: list[str], delimiter: str):
        self.path = path
        # A rejects file imported again must not grow a second pair of our columns.
        self.width = len(header) - 2 if header[-2:] == _REJECT_COLUMNS else len(header)
        self.full_width = len(header)
        self.header = header[: self.width]
        self.delimiter = delimiter
        self._file: IO[str] | None = None
        self._writer: Any = None

    def write(self, record: Record, errors: Mapping[str, str]) -> None:
        if self._writer is None:
            # BOM: spreadsheets then read it as UTF-8; undecodable input bytes are written back unchanged.
            self._file = self.path.open("w", newline="", encoding="utf-8-sig", errors="surrogateescape")
            self._writer = csv.writer(self._file, delimiter=self.delimiter)
            self._writer.writerow([*self.header, *_REJECT_COLUMNS])
        cells = record.cells[: self.width] + [""] * (self.width - len(record.cells))
        extra = record.cells[self.full_width :]  # cells beyond the header follow, unnamed: nothing is lost
        self._writer.writerow([*cells, record.number, "; ".join(f"{k}: {v}" for k, v in errors.items()), *extra])

    def close(self) -> Path | None:
        if self._file is None:
            return None
        self._file.close()
        return self.path


class _Statistics:
    """Keeps PostgreSQL's planner statistics in step with a table the import is growing.

    Until autovacuum gets to it, the planner believes a fresh ``leads`` table is
    tiny; psycopg's prepared (generic) plans then look up each chunk's 1,000
    emails with a sequential scan compared value by value: 100k rows took 160 s
    instead of 25. ANALYZE when our own inserts have doubled (about log2(rows / 1,000) times).
    """

    def __init__(self) -> None:
        self.analyzed_at = 0

    def after_insert(self, session: Session, created: int) -> None:
        if created < max(2 * self.analyzed_at, CHUNK_ROWS) or session.get_bind().dialect.name != "postgresql":
            return
        session.execute(text("ANALYZE leads, companies"))
        session.commit()
        self.analyzed_at = created


class LeadImport:
    """A CSV opened and its columns mapped; ``ImportFileError`` (here or from ``run``) means nothing was imported."""

    def __init__(self, stream: IO[bytes], overrides: Mapping[str, str] | None = None):
        self.csv = CsvSource(stream)
        self.columns: ColumnMap = map_columns(self.csv.header, overrides)

    @property
    def bytes_read(self) -> int:
        return self.csv.bytes_read

    def run(
        self,
        session: Session,
        *,
        name: str,
        rejects_path: Path,
        source: LeadSource = LeadSource.IMPORT,
        actor_id: int | None = None,
        on_progress: Callable[[int, ImportResult], None] | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> ImportResult:
        """Import every row, committing chunk by chunk; ``on_progress`` gets the bytes read and the counts so far."""
        if not rejects_path.parent.is_dir():  # found out now, not at the first reject halfway through
            raise ImportFileError(f"No folder {rejects_path.parent} for the rejects file")
        name = display_name(name)
        result = ImportResult(name, ignored_columns=self.columns.ignored, duplicate_columns=self.columns.duplicates)
        rejects = _Rejects(rejects_path, self.csv.header, self.csv.delimiter)
        pending: list[tuple[Record, LeadInput]] = []
        statistics = _Statistics()

        def reject(record: Record, errors: Mapping[str, str]) -> None:
            result.rejected += 1
            rejects.write(record, errors)

        def flush() -> None:
            outcome = self._write(session, pending, source=source, reason=f"Imported from {name}", actor_id=actor_id)
            result.imported += outcome.created
            result.updated += outcome.updated
            for index, errors in outcome.rejected:
                reject(pending[index][0], errors)  # type: ignore[index]
            pending.clear()
            statistics.after_insert(session, result.imported)
            if on_progress:
                on_progress(self.bytes_read, result)

        try:
            for record in self.csv:
                if not any(cell.strip() for cell in record.cells):
                    result.blank_rows += 1
                    continue
                result.rows_read += 1
                data, problems = self.columns.to_data(record.cells)
                if problems:
                    reject(record, problems)
                    continue
                try:
                    pending.append((record, validate_lead_input(data)))
                except ValidationError as exc:
                    reject(record, exc.errors)
                    continue
                if len(pending) >= chunk_rows:
                    flush()
            if self.csv.stopped:  # the unreadable row is a row too: counted, rejected, named
                result.stopped = self.csv.stopped
                result.rows_read += 1
                reject(Record(self.csv.last_number, []), {"row": self.csv.stopped})
            flush()
            session.expire_all()  # bulk writes bypass the identity map: the caller's loaded leads are stale
        finally:
            result.rejects_path = rejects.close()  # what was written stays readable, even after a crash
        assert result.imported + result.updated + result.rejected == result.rows_read, result
        return result

    @staticmethod
    def _write(session: Session, pending: list[tuple[Record, LeadInput]], **kwargs: Any) -> ChunkOutcome:
        if not pending:
            return ChunkOutcome()
        rows = [(index, values) for index, (_record, values) in enumerate(pending)]
        for attempt in range(ATTEMPTS):
            try:
                outcome = write_chunk(session, rows, now=utcnow(), **kwargs)
                session.commit()
                return outcome
            except IntegrityError:
                session.rollback()
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")


def import_leads(
    session: Session,
    stream: IO[bytes],
    *,
    name: str,
    rejects_path: Path,
    overrides: Mapping[str, str] | None = None,
    **options: Any,
) -> ImportResult:
    """Open, map and import in one call (see ``LeadImport.run`` for the options)."""
    return LeadImport(stream, overrides).run(session, name=name, rejects_path=rejects_path, **options)
