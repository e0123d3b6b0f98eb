"""UK duty-calculator oracles: amounts as exact Decimals with their currency."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from clearway.reference.duty_oracles import (
    load_expected_evaluations,
    load_worked_lines,
    parse_money,
)


def test_parse_money() -> None:
    assert parse_money("£1,260.89") == (Decimal("1260.89"), "GBP")
    assert parse_money("£240") == (Decimal("240"), "GBP")
    with pytest.raises(ValueError):
        parse_money("1,260.89")


@pytest.mark.shared_data
def test_real_worked_lines(real_dir: Path) -> None:
    lines = load_worked_lines(real_dir)
    assert len(lines) == 94
    first = lines[0]
    assert first.line_label == "Valuation for import"
    assert (first.amount, first.currency, first.line) == (Decimal("1260.89"), "GBP", 2)
    vat = [w for w in lines if w.calculation == "20.00% * £2,213.58"]
    assert vat and vat[0].amount == Decimal("442.72")
    assert all(isinstance(w.amount, Decimal) and w.currency == "GBP" for w in lines)


@pytest.mark.shared_data
def test_real_expected_evaluations(real_dir: Path) -> None:
    evaluations = load_expected_evaluations(real_dir)
    assert len(evaluations) == 7
    assert evaluations[3].amount == Decimal("2.40") and evaluations[3].value == Decimal("2.4")
