"""`clearway quote --input FILE`: charges of JSONL declarations, one JSON breakdown a line.

Each input line is a Declaration in proto JSON (the manifest format of examples/). Each output
line is its CalculateChargesResponse in proto JSON, or `{"line": N, "error": {...}}` naming the
reason and every bad field, so one bad declaration never stops the file. Runs in-process on the
rule packs and reference data of the settings; nothing is stored.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from google.protobuf import json_format

from clearway.reference.datadir import resolve_data_dir
from clearway.reference.fx import load_rates
from clearway.reference.tariff import load_tariff
from clearway.rules import RulesEngine
from clearway.runtime.errors import ClearwayError
from clearway.runtime.settings import Settings
from clearway.v1 import common_pb2, valuation_pb2
from clearway.valuation.domain import Valuation
from clearway.valuation.service import RequestReader, charges_response


def _error(line: int, error: ClearwayError) -> dict[str, Any]:
    return {
        "line": line,
        "error": {
            "reason": error.reason,
            "message": error.message,
            "fieldViolations": [
                {"field": v.field, "description": v.description} for v in error.violations
            ],
            "metadata": error.metadata,
        },
    }


def quote_lines(domain: Valuation, lines: Iterable[str]) -> Iterator[str]:
    """One JSON answer per non-blank input line."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        message = common_pb2.Declaration()
        try:
            json_format.Parse(text, message)
        except json_format.ParseError as error:
            answer: dict[str, Any] = {
                "line": number,
                "error": {"reason": "INVALID_JSON", "message": str(error)},
            }
            yield json.dumps(answer)
            continue
        reader = RequestReader()
        try:
            request = reader.charges(valuation_pb2.CalculateChargesRequest(declaration=message), "")
            reader.raise_if_any()
            assert request is not None
            response = charges_response(domain.assess(request))
        except ClearwayError as error:
            yield json.dumps(_error(number, error))
            continue
        yield json.dumps(json_format.MessageToDict(response), ensure_ascii=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clearway quote", description=__doc__)
    parser.add_argument("--input", required=True, help="JSONL declarations ('-' for stdin)")
    parser.add_argument("--output", type=Path, help="write here instead of stdout")
    parser.add_argument("--rules", type=Path, help="rule pack directory (default from settings)")
    parser.add_argument("--data-dir", type=Path, help="reference data (default from settings)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    data_dir = resolve_data_dir(args.data_dir or settings.data_dir)
    tariff, rates = load_tariff(data_dir), load_rates(data_dir)
    with RulesEngine(args.rules or settings.rules_dir, reload_interval=None) as engine:
        domain = Valuation(engine, tariff, rates)
        source: TextIO = (
            sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")  # noqa: SIM115
        )
        target: TextIO = (
            open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
        )
        try:
            for answer in quote_lines(domain, source):
                target.write(answer + "\n")
        finally:
            if source is not sys.stdin:
                source.close()
            if target is not sys.stdout:
                target.close()
    return 0
