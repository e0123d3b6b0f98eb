"""`clearway screen --input FILE`: screen names from a JSONL file against the sanctions lists.

Each input line is `{"name": ..., "country": ...}` (country optional, ISO 3166-1 alpha-2: it
supports a match, never makes one). Each output line is
`{"name", "match", "score", "list", "entry_id", "matched_name"}`: whether the best-scoring list
entry reaches the threshold, its score (0 when no entry shares enough of the name) and, for a
match, the entry; a near miss keeps its score so a reviewer sees how close it came. A bad line
is reported on stderr with its line number and field, and skipped; the exit status is then 2.
Runs in-process on the lists of the settings' data directory.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from clearway.declarations.codec import DeclarationReader
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.errors import ReferenceDataError
from clearway.reference.sanctions import load_sanctions
from clearway.risk.screening import DEFAULT_THRESHOLD, PartyScreener
from clearway.risk.service import MAX_NAME_LENGTH, check_name
from clearway.runtime.errors import FieldViolations
from clearway.runtime.settings import Settings

INPUT_ERROR = 2


@dataclass(frozen=True, slots=True)
class NameLine:
    number: int
    name: str
    country: str


@dataclass(frozen=True, slots=True)
class BadLine:
    number: int
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"line {self.number}: " + "; ".join(self.problems)


def _string(record: dict[str, Any], field: str, violations: FieldViolations) -> str:
    value = record.get(field, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        violations.add(field, f"must be a string, not {type(value).__name__}")
        return ""
    return value


def read_names(lines: Iterable[str]) -> Iterator[NameLine | BadLine]:
    """One NameLine per non-blank line, or a BadLine saying which field is wrong and why."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as error:
            yield BadLine(number, (f"not valid JSON: {error.msg} at column {error.colno}",))
            continue
        if not isinstance(record, dict):
            yield BadLine(number, ('not a JSON object such as {"name": "...", "country": "DE"}',))
            continue
        violations = FieldViolations()
        reader = DeclarationReader(violations)
        name = _string(record, "name", violations)
        country = _string(record, "country", violations).strip().upper()
        if not violations:
            reader.text(name, "name", required=True, limit=MAX_NAME_LENGTH)
            check_name(name, "name", violations)
            country = reader.country(country, "country", required=False)
        if violations:
            yield BadLine(number, tuple(f"{v.field}: {v.description}" for v in violations))
        else:
            yield NameLine(number, name, country)


def screen_line(screener: PartyScreener, line: NameLine, threshold: float) -> dict[str, Any]:
    """Whether the best candidate entry reaches the threshold; the entry only when it does."""
    hits = screener.screen(line.name, line.country, threshold=0.0)
    best = hits[0] if hits else None
    match = best if best is not None and best.score >= threshold else None
    return {
        "name": line.name,
        "match": match is not None,
        "score": best.score if best else 0.0,
        "list": match.list_id if match else None,
        "entry_id": match.entry_id if match else None,
        "matched_name": match.matched_name if match else None,
    }


def screen_stream(
    screener: PartyScreener, lines: Iterable[str], out: TextIO, err: TextIO, threshold: float
) -> int:
    """Screen every good line to `out`, report bad ones to `err`; the exit status."""
    status = 0
    for item in read_names(lines):
        if isinstance(item, BadLine):
            print(f"error: {item}", file=err)
            status = INPUT_ERROR
            continue
        out.write(json.dumps(screen_line(screener, item, threshold), ensure_ascii=False) + "\n")
    return status


def _threshold(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError("must be above 0 and at most 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clearway screen", description=__doc__)
    parser.add_argument("--input", required=True, help="JSONL names ('-' for stdin)")
    parser.add_argument("--output", type=Path, help="write here instead of stdout")
    parser.add_argument(
        "--threshold",
        type=_threshold,
        default=DEFAULT_THRESHOLD,
        help=f"score from which a name matches (default {DEFAULT_THRESHOLD})",
    )
    parser.add_argument("--data-dir", type=Path, help="reference data (default from settings)")
    args = parser.parse_args(argv)
    try:
        lists = load_sanctions(resolve_data_dir(args.data_dir or Settings.from_env().data_dir))
    except ReferenceDataError as error:
        print(f"error: the sanctions lists did not load: {error}", file=sys.stderr)
        return 1
    screener = PartyScreener.build(lists.parties, lists.versions)
    try:
        source: TextIO = (
            sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")  # noqa: SIM115
        )
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return INPUT_ERROR
    target: TextIO = (
        open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    )
    try:
        return screen_stream(screener, source, target, sys.stderr, args.threshold)
    except UnicodeDecodeError as error:
        print(f"error: {args.input} is not UTF-8 text: {error}", file=sys.stderr)
        return INPUT_ERROR
    finally:
        if source is not sys.stdin:
            source.close()
        if target is not sys.stdout:
            target.close()


if __name__ == "__main__":
    sys.exit(main())
