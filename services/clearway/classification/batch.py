"""Batch classification of a file: `python -m clearway.classification.batch --input FILE [--top K]`.

Reads plain lines or JSONL objects with a `description` field (and optionally category_path,
material, brand) and writes one JSON object per input line to stdout:
`{"description", "hs6", "confidence", "alternatives": [{"hs6", "confidence"}, ...]}`. It runs
the service's domain (model and override packs) in-process, in chunks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from clearway.classification.domain import (
    MAX_TOP_K,
    ClassificationDomain,
    ItemClassification,
    ItemDescription,
)
from clearway.reference.datadir import resolve_data_dir
from clearway.runtime.settings import Settings

CHUNK = 1000


class InputLineError(ValueError):
    """A line of the input file cannot be read as a description."""


def read_items(lines: Iterable[str], top_k: int) -> Iterator[ItemDescription]:
    """One item per non-blank line: a JSON object with `description`, or the line itself."""
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputLineError(f"line {number}: not valid JSON: {exc.msg}") from exc
            description = record.get("description") if isinstance(record, dict) else None
            if not isinstance(description, str) or not description.strip():
                raise InputLineError(f"line {number}: no description")
            yield ItemDescription(
                description=description,
                category_path=str(record.get("category_path", "")),
                material=str(record.get("material", "")),
                brand=str(record.get("brand", "")),
                top_k=top_k,
            )
        else:
            yield ItemDescription(description=line, top_k=top_k)


def to_json(item: ItemDescription, answer: ItemClassification) -> str:
    result = answer.classification
    return json.dumps(
        {
            "description": item.description,
            "hs6": result.best.hs_code,
            "confidence": round(result.best.confidence, 4),
            "alternatives": [
                {"hs6": c.hs_code, "confidence": round(c.confidence, 4)}
                for c in result.alternatives
            ],
        },
        ensure_ascii=False,
    )


def classify_stream(
    domain: ClassificationDomain, items: Iterable[ItemDescription], out: TextIO
) -> int:
    """Classify in chunks (one model pass each) and write JSON lines; returns the count."""
    count = 0
    chunk: list[ItemDescription] = []

    def flush() -> None:
        for item, answer in zip(chunk, domain.classify_many(chunk), strict=True):
            out.write(to_json(item, answer) + "\n")
        chunk.clear()

    for item in items:
        chunk.append(item)
        count += 1
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="file of lines or JSONL ('-' for stdin)")
    parser.add_argument(
        "--top", type=int, default=3, help=f"alternatives per answer (<= {MAX_TOP_K})"
    )
    parser.add_argument("--data-dir", help="reference data directory")
    args = parser.parse_args(argv)
    if not 0 <= args.top <= MAX_TOP_K:
        parser.error(f"--top must be between 0 and {MAX_TOP_K}")
    settings = Settings.from_env()
    domain = ClassificationDomain.load(
        resolve_data_dir(args.data_dir or settings.data_dir), settings.rules_dir, None
    )
    try:
        with sys.stdin if args.input == "-" else Path(args.input).open(encoding="utf-8") as source:
            classify_stream(domain, read_items(source, args.top), sys.stdout)
    except (InputLineError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        domain.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
