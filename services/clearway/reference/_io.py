"""File reading shared by the loaders: every failure is a ReferenceDataError naming the file."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from clearway.reference.errors import ReferenceDataError

#: Some exports (the OFAC legacy CSVs) end with a DOS end-of-file marker.
_DOS_EOF = "\x1a"


def read_bytes(path: Path) -> bytes:
    """Read a whole file, mapping a missing or unreadable file to ReferenceDataError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ReferenceDataError(path, "file not found") from None
    except OSError as exc:
        raise ReferenceDataError(path, f"cannot read file: {exc.strerror or exc}") from exc


def decode(path: Path, data: bytes, encoding: str = "utf-8-sig") -> str:
    """Decode bytes, reporting the line of the first undecodable byte."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReferenceDataError(path, f"not valid {encoding}: {exc.reason}", line=line) from exc
    return text.removesuffix(_DOS_EOF)


def read_text(path: Path, encoding: str = "utf-8-sig") -> str:
    """Read and decode a text file."""
    return decode(path, read_bytes(path), encoding)


def digest(data: bytes) -> str:
    """Short content hash that identifies the exact file a decision was made with."""
    return hashlib.sha256(data).hexdigest()[:12]


def csv_records(path: Path, text: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, fields) per CSV record; quoted fields may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for row in reader:
            if row:
                yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ReferenceDataError(path, f"malformed CSV: {exc}", line=reader.line_num) from exc


def expect_fields(path: Path, line: int, row: list[str], count: int) -> None:
    """Fail unless a record has exactly `count` fields."""
    if len(row) != count:
        raise ReferenceDataError(path, f"expected {count} fields, found {len(row)}", line=line)


def header_index(path: Path, header: list[str], required: tuple[str, ...]) -> dict[str, int]:
    """Map required column names to their positions, failing on the header line if any is absent."""
    positions = {name.strip(): i for i, name in enumerate(header)}
    missing = [name for name in required if name not in positions]
    if missing:
        raise ReferenceDataError(path, f"missing column(s): {', '.join(missing)}", line=1)
    return {name: positions[name] for name in required}


def headed_records(
    path: Path, text: str, required: tuple[str, ...]
) -> tuple[dict[str, int], int, Iterator[tuple[int, list[str]]]]:
    """A CSV with a header line: the required columns' positions, the header width, the rows."""
    records = csv_records(path, text)
    first = next(records, None)
    if first is None:
        raise ReferenceDataError(path, "file is empty")
    return header_index(path, first[1], required), len(first[1]), records


def parse_bool(path: Path, line: int, column: str, value: str) -> bool:
    """Parse the 'True'/'False' flags of the tariff export strictly."""
    if value == "True":
        return True
    if value == "False":
        return False
    raise ReferenceDataError(
        path, f"column {column}: expected True or False, got {value!r}", line=line
    )
