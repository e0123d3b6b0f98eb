"""Worked duty/VAT calculation lines from the UK duty calculator's tests, as Decimal oracles.

Valuation checks its arithmetic (customs value, ad valorem and specific duty, VAT on value plus
duty, rounding) against amounts that an independent implementation produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from clearway.reference._io import csv_records, decode, expect_fields, read_bytes
from clearway.reference.errors import ReferenceDataError

WORKED_LINES_FILE = Path("duty_oracles") / "uk_duty_calculator_worked_lines.csv"
EXPECTED_EVALUATIONS_FILE = Path("duty_oracles") / "uk_duty_calculator_expected_evaluations.csv"

_CURRENCY_SYMBOLS = {"£": "GBP", "€": "EUR", "$": "USD"}
_MONEY_RE = re.compile(r"(?P<symbol>[£€$])(?P<number>\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?)")


@dataclass(frozen=True, slots=True)
class WorkedLine:
    """One worked line, e.g. 'VAT Standard rate', '20.00% * £2,213.58' -> 442.72 GBP."""

    spec_file: str
    line_label: str
    calculation: str
    amount: Decimal
    currency: str
    line: int


@dataclass(frozen=True, slots=True)
class ExpectedEvaluation:
    """One evaluated duty expression with its formatted and its numeric result."""

    spec_file: str
    calculation: str
    amount: Decimal
    currency: str
    value: Decimal
    line: int


def parse_money(text: str) -> tuple[Decimal, str]:
    """'£1,260.89' -> (Decimal('1260.89'), 'GBP'); ValueError if it is not a single amount."""
    match = _MONEY_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an amount of money: {text!r}")
    return Decimal(match["number"].replace(",", "")), _CURRENCY_SYMBOLS[match["symbol"]]


def _records(path: Path, header: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    records = csv_records(path, decode(path, read_bytes(path)))
    first = next(records, None)
    if first is None or tuple(c.strip() for c in first[1]) != header:
        raise ReferenceDataError(path, f"header must be {','.join(header)}", line=1)
    rows = []
    for line, row in records:
        expect_fields(path, line, row, len(header))
        rows.append((line, row))
    return rows


def _money(path: Path, line: int, text: str) -> tuple[Decimal, str]:
    try:
        return parse_money(text)
    except ValueError as exc:
        raise ReferenceDataError(path, str(exc), line=line) from None


def load_worked_lines(data_dir: Path) -> tuple[WorkedLine, ...]:
    """Load duty_oracles/uk_duty_calculator_worked_lines.csv."""
    path = data_dir / WORKED_LINES_FILE
    lines = []
    for line, (spec_file, label, calculation, amount_text) in _records(
        path, ("spec_file", "line_label", "calculation", "amount")
    ):
        amount, currency = _money(path, line, amount_text)
        lines.append(WorkedLine(spec_file, label, calculation, amount, currency, line))
    return tuple(lines)


def load_expected_evaluations(data_dir: Path) -> tuple[ExpectedEvaluation, ...]:
    """Load duty_oracles/uk_duty_calculator_expected_evaluations.csv."""
    path = data_dir / EXPECTED_EVALUATIONS_FILE
    evaluations = []
    for line, (spec_file, calculation, formatted, value_text) in _records(
        path, ("spec_file", "calculation", "formatted_value", "value")
    ):
        amount, currency = _money(path, line, formatted)
        try:
            value = Decimal(value_text.strip())
        except InvalidOperation:
            raise ReferenceDataError(
                path, f"value {value_text!r} is not a number", line=line
            ) from None
        evaluations.append(
            ExpectedEvaluation(spec_file, calculation, amount, currency, value, line)
        )
    return tuple(evaluations)
