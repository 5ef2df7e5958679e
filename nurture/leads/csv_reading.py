"""Reading a CSV someone uploaded: UTF-8 with or without BOM, the delimiter sniffed, hostile input contained.

Undecodable bytes are kept as lone surrogates (``surrogateescape``): a row
holding them can be rejected precisely, and written back to the rejects file
byte for byte.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO

DELIMITERS = ",;\t"
SAMPLE_CHARS = 64 * 1024
# The csv module refuses cells over 128 kB by default, which would end the import at the first
# big cell; above this limit, the file is taken to be broken (an unclosed quote) and reading stops.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


class ImportFileError(Exception):
    """The file cannot be imported at all: nothing was imported."""


def has_bad_bytes(text: str) -> bool:
    """True when ``text`` came from bytes that are not UTF-8."""
    return _NOT_UTF8.search(text) is not None


@dataclass
class Record:
    number: int  # the row as a spreadsheet numbers it: the header is row 1
    cells: list[str]


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, for a progress bar that needs no first pass over the file."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


def sniff_delimiter(line: str) -> str:
    """The candidate that splits the header into the most columns (comma when none does)."""
    counts = {d: len(next(csv.reader([line], delimiter=d), [])) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


class CsvSource:
    """The header and then the records of a CSV byte stream (which need not be seekable)."""

    def __init__(self, stream: IO[bytes]):
        self._counter = _CountingReader(stream)
        text = io.TextIOWrapper(
            io.BufferedReader(self._counter), encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        sample: list[str] = []
        size = 0
        while size < SAMPLE_CHARS and (line := text.readline()):
            sample.append(line)
            size += len(line)
        joined = "".join(sample)
        if "\x00" in joined or has_bad_bytes(joined):
            raise ImportFileError(
                "Not a CSV text file in UTF-8 (a spreadsheet, UTF-16 or another encoding?): "
                "save it as \u201cCSV UTF-8\u201d and try again"
            )
        first = next((line for line in sample if line.strip()), None)
        if first is None:
            raise ImportFileError("The file is empty: no header row")
        self.delimiter = sniff_delimiter(first)
        csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))  # process-wide; only ever raised
        self._reader = csv.reader(chain(sample, text), delimiter=self.delimiter)
        self._number = 0
        self.stopped: str | None = None
        self.header = next((record.cells for record in self if any(c.strip() for c in record.cells)), [])
        if self.stopped or not self.header:
            raise ImportFileError(f"No readable header row ({self.stopped or 'empty file'})")

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def __iter__(self) -> Iterator[Record]:
        """Records after the header; on a cell too large to be real, sets ``stopped`` and ends."""
        while self.stopped is None:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self._number += 1
                self.stopped = f"row {self._number}: {exc}; reading stopped here (an unclosed quote?)"
                return
            self._number += 1
            yield Record(self._number, cells)

    @property
    def last_number(self) -> int:
        return self._number
