"""Duty arithmetic: ad valorem, specific and compound rates, bounds, and what is refused.
Oracles: the worked lines of the UK duty calculator that are self-contained."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearway.reference.duty_rates import parse_duty_rate
from clearway.runtime.errors import InvalidArgument
from clearway.valuation.duty import DutyNotComputable, Measures, compute_duty
from clearway.valuation.money import percent_of, round_money

ON = date(2025, 3, 3)
EUR_TO_GBP = Decimal("0.85")


def to_gbp(amount: Decimal, currency: str) -> Decimal:
    return amount * EUR_TO_GBP if currency == "EUR" else amount


def duty(text: str, value: str, *, quantity: int = 1, net: str | None = None) -> Decimal:
    measures = Measures(quantity, Decimal(net) if net else None, None, "declaration.items[0]")
    figure = compute_duty(parse_duty_rate(text), Decimal(value), measures, ON, to_gbp, "GBP")
    return round_money(figure.amount, "GBP")


def test_ad_valorem() -> None:
    assert duty("2.70%", "1260.89") == Decimal("34.04")


def test_compound_uses_the_net_mass() -> None:
    # 10% of 200 + 77.00 GBP per 100 kg of 2.5 kg = 20 + 1.925
    assert duty("10.00% + 77.00 GBP/100kg", "200", net="2.5") == Decimal("21.93")


def test_specific_in_euro_is_converted() -> None:
    # 77 EUR/100 kg on 10 kg = 7.70 EUR = 6.545 GBP, plus 10% of 100
    assert duty("10.00% + 77.00 EUR/100kg", "100", net="10") == Decimal("16.55")


def test_minimum_and_maximum_bound_the_duty() -> None:
    text = "4.50% MIN 0.30 EUR / item MAX 0.80 EUR / item"
    assert duty(text, "1", quantity=10) == round_money(Decimal("3.00") * EUR_TO_GBP, "GBP")
    assert duty(text, "1000", quantity=10) == round_money(Decimal("8.00") * EUR_TO_GBP, "GBP")
    assert duty(text, "100", quantity=10) == Decimal("4.50")


def test_missing_net_mass_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as raised:
        duty("10.00% + 77.00 GBP/100kg", "200")
    (violation,) = raised.value.violations
    assert violation.field == "declaration.items[0].net_mass_kg"


def test_agricultural_components_are_refused() -> None:
    with pytest.raises(DutyNotComputable):
        duty("8.30% + EA", "100")


def test_per_litre_is_refused() -> None:
    with pytest.raises(DutyNotComputable):
        duty("2.00 GBP/hl", "100")


@given(
    st.decimals(min_value=0, max_value=100, places=2),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=0, max_value=10**6, places=2),
)
def test_ad_valorem_is_exact_non_negative_and_monotone(
    percent: Decimal, low: Decimal, high: Decimal
) -> None:
    low, high = min(low, high), max(low, high)
    rate = parse_duty_rate(f"{percent}%")
    measures = Measures(1, None, None, "x")
    first = compute_duty(rate, low, measures, ON, to_gbp, "GBP").amount
    second = compute_duty(rate, high, measures, ON, to_gbp, "GBP").amount
    assert first == percent_of(low, percent)
    assert 0 <= first <= second


_PERCENT_OF = re.compile(r"(?P<percent>\d+\.\d+)\s*%\s*\*\s*£(?P<base>[\d,]+\.\d{2})")


def test_uk_duty_calculator_worked_lines(shared_data: Path) -> None:
    """Every self-contained 'P% * £B' line: duty or VAT = P% of B, rounded half up to pence."""
    from clearway.reference.duty_oracles import load_worked_lines

    checked = 0
    for line in load_worked_lines(shared_data):
        match = _PERCENT_OF.fullmatch(line.calculation.strip())
        if match is None:
            continue
        base = Decimal(match["base"].replace(",", ""))
        rate = parse_duty_rate(f"{match['percent']}%")
        figure = compute_duty(rate, base, Measures(1, None, None, "x"), ON, to_gbp, "GBP")
        assert round_money(figure.amount, "GBP") == line.amount, line
        checked += 1
    assert checked >= 40
