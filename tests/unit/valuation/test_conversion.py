"""The exchange-rate policy: latest publication on or before the date, at most 7 days old inside
the snapshot; after the snapshot the last publication, with a note; no rate, a clear refusal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.reference.fx import ExchangeRates
from clearway.valuation.conversion import Converter, RateMissing


def test_a_weekend_uses_fridays_rate(rates: ExchangeRates) -> None:
    converter = Converter(rates, date(2025, 3, 2))  # a Sunday
    assert converter.convert(Decimal("100"), "USD", "EUR") == Decimal("80")
    (used,) = converter.rates_used
    assert (used.from_currency, used.to_currency, used.rate) == ("USD", "EUR", Decimal("0.8"))
    assert used.rate_date == date(2025, 2, 28)
    assert converter.notes == []


def test_cross_rates_go_through_the_euro(rates: ExchangeRates) -> None:
    converter = Converter(rates, date(2025, 3, 3))
    assert converter.convert(Decimal("100"), "USD", "GBP") == Decimal("68")
    assert converter.rates_used[0].rate == Decimal("0.68")


def test_after_the_snapshot_the_last_rate_is_used_and_said(rates: ExchangeRates) -> None:
    converter = Converter(rates, date(2026, 3, 1))
    assert converter.convert(Decimal("100"), "USD", "EUR") == Decimal("80")
    assert converter.rates_used[0].rate_date == date(2025, 5, 9)
    (note,) = converter.notes
    assert "2025-05-09" in note and "296 days" in note and "last available rate" in note


def test_within_seven_days_after_the_snapshot_no_note(rates: ExchangeRates) -> None:
    converter = Converter(rates, date(2025, 5, 16))
    converter.convert(Decimal("1"), "USD", "EUR")
    assert converter.notes == []


def test_a_currency_the_ecb_does_not_publish_is_refused(rates: ExchangeRates) -> None:
    converter = Converter(rates, date(2025, 3, 3))
    with pytest.raises(RateMissing) as raised:
        converter.convert(Decimal("1"), "AED", "EUR")
    assert raised.value.reason == "EXCHANGE_RATE_UNAVAILABLE"
    assert raised.value.metadata == {"currency": "AED", "date": "2025-03-03"}


def test_a_gap_inside_the_snapshot_is_refused_not_bridged() -> None:
    rates = ExchangeRates(
        {"USD": {date(2025, 1, 2): Decimal("1.1")}, "GBP": {date(2025, 5, 9): Decimal("0.85")}},
        source=Path("gap.csv"),
    )
    with pytest.raises(RateMissing):
        Converter(rates, date(2025, 3, 3)).convert(Decimal("1"), "USD", "EUR")


def test_before_the_first_rate_is_refused(rates: ExchangeRates) -> None:
    with pytest.raises(RateMissing):
        Converter(rates, date(2022, 6, 1)).convert(Decimal("1"), "USD", "EUR")


def test_real_history_after_its_end(shared_data: Path) -> None:
    from clearway.reference.fx import load_rates

    converter = Converter(load_rates(shared_data), date(2026, 7, 1))
    amount = converter.convert(Decimal("100"), "USD", "EUR")
    assert converter.rates_used[0].rate_date == date(2025, 5, 9)
    assert round(amount, 2) == Decimal("88.87")
    assert converter.notes
