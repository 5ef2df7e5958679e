"""Importing leads from CSV: validated like every other capture, deduplicated on email,
nothing silently dropped (imported + updated + rejected = rows read).

Rows are processed in chunks, each in one transaction: one query finds the
chunk's existing leads, new leads and their timeline events are inserted in
bulk, existing ones are updated through the same change tracking as the API.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.changes import apply_values
from nurture.leads.companies import company_for_domain
from nurture.leads.csv_columns import map_headers
from nurture.leads.geography import guess_timezone
from nurture.leads.timeline import jsonable
from nurture.leads.validation import LeadInput, company_domain_for, validate_lead_input
from nurture.models import Company, Lead, LeadEvent, LeadSource, User

CHUNK = 1000
MAX_CELL = 10_000  # far above any real field; larger cells are rejected, not read into the database
FIELD_SIZE_LIMIT = 64 * 1024 * 1024  # the csv module's own limit, raised so one huge cell cannot stop the import


class ImportError_(Exception):
    """The file cannot be imported at all (no email column, not a CSV…)."""


@dataclass
class ImportResult:
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    rejects_path: Path | None = None

    @property
    def summary(self) -> str:
        return f"rows read {self.rows_read}: imported {self.imported}, updated {self.updated}, rejected {self.rejected}"


@dataclass
class _Row:
    number: int
    cells: list[str]
    values: LeadInput | None = None


def _reader(stream: IO[str]) -> tuple[Iterator[list[str]], list[str]]:
    sample = stream.read(64 * 1024)
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    rows = csv.reader(stream, dialect)
    try:
        headers = next(rows)
    except StopIteration:
        raise ImportError_("The file is empty") from None
    except csv.Error as exc:
        raise ImportError_(f"Not a readable CSV: {exc}") from None
    return rows, [h.strip() for h in headers]


def _to_data(cells: list[str], mapping: dict[int, str], width: int) -> tuple[dict[str, Any] | None, str | None]:
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        return None, f"row: {len(cells) - width} more cells than the header has columns"
    if any(len(cell) > MAX_CELL for cell in cells):
        return None, f"row: a cell is longer than {MAX_CELL} characters"
    if any("\ufffd" in cell for cell in cells):
        return None, "row: not valid UTF-8"
    data: dict[str, Any] = {}
    custom: dict[str, str] = {}
    for index, name in mapping.items():
        value = cells[index].strip() if index < len(cells) else ""
        if not value:
            continue
        if name.startswith("custom:"):
            custom[name.removeprefix("custom:")] = value
        else:
            data[name] = value
    if custom:
        data["custom_fields"] = custom
    return data, None


class _RejectWriter:
    def __init__(self, path: Path, headers: list[str]):
        self.path = path
        self.headers = headers
        self._file: IO[str] | None = None
        self._writer: Any = None

    def write(self, row: _Row, errors: dict[str, str]) -> None:
        if self._writer is None:
            self._file = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._file)
            self._writer.writerow([*self.headers, "row_number", "errors", "extra_cells"])
        cells = [c if len(c) <= MAX_CELL else c[:MAX_CELL] + "…" for c in row.cells]
        width = len(self.headers)
        # Cells beyond the header go in a column of their own, so every column keeps its meaning.
        fitted = cells[:width] + [""] * (width - len(cells))
        extra = " | ".join(cells[width:])
        self._writer.writerow([*fitted, row.number, "; ".join(f"{k}: {v}" for k, v in errors.items()), extra])

    def close(self) -> bool:
        if self._file is not None:
            self._file.close()
            return True
        return False


def _new_lead_row(values: LeadInput, source: LeadSource, company_id: int | None, now: Any) -> dict[str, Any]:
    row = {k: v for k, v in values.lead.items()}
    row.setdefault("source", source)
    row.setdefault("custom_fields", {})
    if row.get("country") and not row.get("timezone"):
        row["timezone"] = guess_timezone(row["country"])
    row["company_id"] = company_id
    row["created_at"] = row["updated_at"] = now
    return row


def _companies(session: Session, chunk: list[_Row]) -> dict[str, int]:
    """Company ids by domain for the chunk: one query; missing companies created, details filled in."""
    wanted: dict[str, dict[str, Any]] = {}
    for row in chunk:
        assert row.values is not None
        domain = company_domain_for(row.values, row.values.email or "")
        if domain:
            wanted.setdefault(domain, {**row.values.company, "country": row.values.lead.get("country")})
    if not wanted:
        return {}
    ids = dict(session.execute(select(Company.domain, Company.id).where(Company.domain.in_(wanted))).all())
    for domain, details in wanted.items():
        if domain not in ids or any(details.get(k) for k in ("company", "website", "industry", "company_size")):
            company = company_for_domain(session, domain, details)
            session.flush()
            ids[domain] = company.id
    return ids


def _import_chunk(
    session: Session, chunk: list[_Row], result: ImportResult, *, source: LeadSource, reason: str, actor: User | None
) -> None:
    from nurture.db.base import utcnow

    now = utcnow()
    emails = {row.values.email for row in chunk if row.values}  # type: ignore[union-attr]
    existing = {lead.email: lead for lead in session.scalars(select(Lead).where(Lead.email.in_(emails)))}
    company_ids = _companies(session, chunk)
    new_rows: dict[str, dict[str, Any]] = {}
    for row in chunk:
        values = row.values
        assert values is not None and values.email is not None
        lead = existing.get(values.email)
        if lead is not None or values.email in new_rows:
            if lead is None:  # the same email earlier in this chunk: insert it first, then update
                _insert(session, new_rows, existing, reason, actor)
                lead = existing[values.email]
            update = LeadInput({k: v for k, v in values.lead.items() if k != "source"}, values.company,
                               values.owner_email, values.owner_user_id, values.owner_given)  # fmt: skip
            apply_values(session, lead, update, reason=reason, actor=actor)  # the first source is the one that counts
            result.updated += 1
            continue
        # Owners are resolved after the insert, through apply_values (rows are never mutated: a chunk may be retried).
        owner_values = LeadInput(owner_email=values.owner_email, owner_given=True) if values.owner_given else None
        domain = company_domain_for(values, values.email)
        new_rows[values.email] = {
            "row": _new_lead_row(values, source, company_ids.get(domain or ""), now),
            "owner": owner_values,
        }
        result.imported += 1
    _insert(session, new_rows, existing, reason, actor)


def _insert(
    session: Session, new_rows: dict[str, dict[str, Any]], existing: dict[str, Lead], reason: str, actor: User | None
) -> None:
    if not new_rows:
        return
    leads = list(session.scalars(insert(Lead).returning(Lead, sort_by_parameter_order=True), [r["row"] for r in new_rows.values()]))
    events = []
    for lead, item in zip(leads, new_rows.values(), strict=True):
        existing[lead.email] = lead
        initial = {k: jsonable(v) for k, v in item["row"].items() if v not in (None, {}) and k not in ("created_at", "updated_at")}
        events.append({"lead_id": lead.id, "kind": "imported", "reason": reason[:500], "data": initial,
                       "actor_user_id": actor.id if actor else None, "created_at": item["row"]["created_at"]})  # fmt: skip
        if item["owner"] is not None:
            apply_values(session, lead, item["owner"], reason=reason, actor=actor)
    session.execute(insert(LeadEvent), events)
    new_rows.clear()


def import_leads(
    session: Session,
    stream: IO[str],
    *,
    name: str,
    rejects_path: Path,
    source: LeadSource = LeadSource.IMPORT,
    overrides: dict[str, str] | None = None,
    actor: User | None = None,
    on_columns: Callable[[dict[int, str], list[str]], None] | None = None,
) -> ImportResult:
    """Import a CSV text stream; commits chunk by chunk. Raises ImportError_ when unusable."""
    rows, headers = _reader(stream)
    mapping, ignored = map_headers(headers, overrides)
    if "email" not in mapping.values():
        raise ImportError_("No email column (name one with --map \"Header=email\")")
    if on_columns:
        on_columns(mapping, ignored)
    result = ImportResult(ignored_columns=ignored)
    rejects = _RejectWriter(rejects_path, headers)
    reason = f"Imported from {name}"
    chunk: list[_Row] = []
    number = 1
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. an unterminated quote: the rest of the file is one broken row
            number += 1
            result.rows_read += 1
            result.rejected += 1
            rejects.write(_Row(number, []), {"row": f"unreadable CSV: {exc}"})
            break
        number += 1
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        result.rows_read += 1
        row = _Row(number, cells)
        data, problem = _to_data(cells, mapping, len(headers))
        if problem:
            result.rejected += 1
            rejects.write(row, dict([problem.split(": ", 1)]))
            continue
        try:
            row.values = validate_lead_input(data or {})
        except ValidationError as exc:
            result.rejected += 1
            rejects.write(row, exc.errors)
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK:
            _flush(session, chunk, result, rejects, source=source, reason=reason, actor=actor)
    _flush(session, chunk, result, rejects, source=source, reason=reason, actor=actor)
    result.rejects_path = rejects_path if rejects.close() else None
    assert result.imported + result.updated + result.rejected == result.rows_read, result
    return result


def _flush(session: Session, chunk: list[_Row], result: ImportResult, rejects: _RejectWriter, **kwargs: Any) -> None:
    """Import a chunk in one transaction; if it fails on a row, retry row by row so only that row is rejected."""
    if not chunk:
        return
    try:
        _import_chunk(session, chunk, result_copy := ImportResult(), **kwargs)
        session.commit()
        result.imported += result_copy.imported
        result.updated += result_copy.updated
    except ValidationError:
        session.rollback()
        for row in chunk:
            single = ImportResult()
            try:
                _import_chunk(session, [row], single, **kwargs)
                session.commit()
                result.imported += single.imported
                result.updated += single.updated
            except ValidationError as exc:
                session.rollback()
                result.rejected += 1
                rejects.write(row, exc.errors)
    chunk.clear()


def open_csv(path: Path) -> IO[str]:
    """UTF-8 with or without BOM; undecodable bytes become U+FFFD and their row is rejected."""
    return io.open(path, encoding="utf-8-sig", errors="replace", newline="")  # noqa: UP020
