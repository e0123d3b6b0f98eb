"""Rounding and apportionment: exact, half up, never negative, always summing to the total."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from clearway.valuation.money import apportion, round_money, show_percent

amounts = st.decimals(min_value=0, max_value=10**7, places=2)


def test_half_up_to_the_minor_unit() -> None:
    assert round_money(Decimal("34.044030"), "GBP") == Decimal("34.04")
    assert round_money(Decimal("315.2225"), "GBP") == Decimal("315.22")
    assert round_money(Decimal("0.005"), "EUR") == Decimal("0.01")
    assert round_money(Decimal("4050.5"), "JPY") == Decimal("4051")
    assert round_money(Decimal("1.0005"), "KWD") == Decimal("1.001")


def test_rates_are_shown_as_the_tariff_writes_them() -> None:
    assert show_percent(Decimal("2.7")) == "2.70%"
    assert show_percent(Decimal("20")) == "20.00%"
    assert show_percent(Decimal("25.5")) == "25.50%"
    assert show_percent(Decimal("9.100")) == "9.10%"


def test_apportion_by_value_gives_the_remainder_to_the_largest_line() -> None:
    assert apportion(Decimal("10.00"), [Decimal(1)] * 3, "EUR") == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]
    assert apportion(Decimal("8.00"), [Decimal("120"), Decimal("20")], "EUR") == [
        Decimal("6.86"),
        Decimal("1.14"),
    ]


def test_apportion_of_zero_weights_is_equal() -> None:
    assert apportion(Decimal("1.00"), [Decimal(0), Decimal(0)], "EUR") == [
        Decimal("0.50"),
        Decimal("0.50"),
    ]


@given(amounts, st.lists(amounts, min_size=1, max_size=30))
def test_apportion_is_exact_and_never_negative(total: Decimal, weights: list[Decimal]) -> None:
    shares = apportion(total, weights, "EUR")
    assert sum(shares) == total
    assert all(share >= 0 for share in shares)
    assert all(share == round_money(share, "EUR") for share in shares)


@given(st.decimals(min_value=0, max_value=10**7, places=0), st.lists(amounts, min_size=1))
def test_apportion_in_yen_stays_in_whole_yen(total: Decimal, weights: list[Decimal]) -> None:
    shares = apportion(total, weights, "JPY")
    assert sum(shares) == total
    assert all(share == share.to_integral_value() for share in shares)
