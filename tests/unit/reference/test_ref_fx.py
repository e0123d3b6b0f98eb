"""ECB reference rates: weekend/holiday fallback, cross rates through EUR, unavailable rates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Context, Decimal
from pathlib import Path

import pytest

from clearway.reference import RateUnavailable, ReferenceDataError
from clearway.reference.fx import ExchangeRates

SATURDAY = date(2025, 5, 10)
FRIDAY = date(2025, 5, 9)
DEMO_CURRENCIES = ("USD", "GBP", "JPY", "AUD", "CAD", "CNY", "SGD", "CHF", "SEK", "PLN")


@pytest.mark.shared_data
def test_real_range_and_currencies(real_fx: ExchangeRates) -> None:
    assert real_fx.first_date == date(1999, 1, 4)
    assert real_fx.last_date == FRIDAY
    assert len(real_fx.currencies) == 42  # 41 published currencies + EUR
    assert set(DEMO_CURRENCIES) <= set(real_fx.currencies)


@pytest.mark.shared_data
def test_real_saturday_uses_friday(real_fx: ExchangeRates) -> None:
    quote = real_fx.rate("USD", SATURDAY)
    assert quote.per_eur == Decimal("1.1252") and quote.published == FRIDAY
    conversion = real_fx.convert(Decimal("100.00"), "USD", "GBP", SATURDAY)
    expected = Context(prec=34).divide(Decimal("100.00") * Decimal("0.8477"), Decimal("1.1252"))
    assert conversion.amount == expected
    assert conversion.rate == Context(prec=34).divide(Decimal("0.8477"), Decimal("1.1252"))
    assert conversion.rate_date == FRIDAY
    assert conversion.amount.quantize(Decimal("0.01")) == Decimal("75.34")


@pytest.mark.shared_data
def test_real_holiday_and_eur(real_fx: ExchangeRates) -> None:
    good_friday = date(2025, 4, 18)
    assert real_fx.rate("GBP", good_friday).published == date(2025, 4, 17)
    assert real_fx.rate("EUR", good_friday).per_eur == Decimal(1)
    to_eur = real_fx.convert(Decimal("84.77"), "GBP", "EUR", FRIDAY)
    assert to_eur.amount == Decimal(100)
    same = real_fx.convert(Decimal("12.5"), "EUR", "EUR", SATURDAY)
    assert same.amount == Decimal("12.5") and same.rate == Decimal(1)


@pytest.mark.shared_data
def test_real_rate_unavailable(real_fx: ExchangeRates) -> None:
    with pytest.raises(RateUnavailable, match=r"USD on 2025-05-17.*2025-05-09") as raised:
        real_fx.rate("USD", FRIDAY + timedelta(days=8))
    assert raised.value.currency == "USD" and raised.value.on == date(2025, 5, 17)
    assert isinstance(raised.value, ReferenceDataError)
    assert real_fx.rate("USD", FRIDAY + timedelta(days=7)).published == FRIDAY
    with pytest.raises(RateUnavailable, match="first rate"):
        real_fx.rate("USD", date(1998, 12, 31))
    with pytest.raises(RateUnavailable, match="publishes no rate"):
        real_fx.rate("XYZ", FRIDAY)
    with pytest.raises(RateUnavailable, match="2007-12-31"):  # Cyprus pound, replaced by EUR
        real_fx.rate("CYP", date(2020, 6, 1))
    with pytest.raises(RateUnavailable):
        real_fx.convert(Decimal(1), "EUR", "RUB", date(2024, 1, 3))  # no rates since 2022-03


def test_convert_refuses_float(starter_fx: ExchangeRates) -> None:
    with pytest.raises(TypeError):
        starter_fx.convert(10.0, "USD", "EUR", FRIDAY)  # type: ignore[arg-type]


def test_starter_rates(starter_fx: ExchangeRates) -> None:
    assert starter_fx.first_date == date(2025, 1, 2) and starter_fx.last_date == FRIDAY
    day = starter_fx.first_date
    while day <= starter_fx.last_date:
        for currency in DEMO_CURRENCIES:
            assert starter_fx.rate(currency, day).published <= day
        day += timedelta(days=1)
    # CNY is N/A on Monday 2025-02-03: the Friday before is used.
    assert starter_fx.rate("CNY", date(2025, 2, 3)).published == date(2025, 1, 31)
    assert starter_fx.rate("USD", SATURDAY).published == FRIDAY
    with pytest.raises(RateUnavailable):
        starter_fx.rate("USD", date(2025, 6, 2))


def test_after_the_series_its_last_rate_only_when_asked() -> None:
    """A declaration dated after the rates file ends is converted at the file's last rate
    (rate_or_last, the policy of valuation, risk and the reports); inside the file, or for a
    currency the file stopped publishing long before, a missing rate stays missing."""
    monday, friday = date(2025, 5, 5), date(2025, 5, 9)
    rates = ExchangeRates(
        {
            "USD": {monday: Decimal("1.10"), friday: Decimal("1.25")},
            "HRK": {monday - timedelta(days=30): Decimal("7.5")},
        },
        source=Path("rates.csv"),
    )
    later = date(2026, 9, 15)
    with pytest.raises(RateUnavailable):
        rates.rate("USD", later)
    assert rates.rate_or_last("USD", later).published == friday
    assert rates.rate_or_last("USD", friday + timedelta(days=3)).published == friday
    assert rates.convert(Decimal(10), "USD", "EUR", later, or_last=True).amount == Decimal(8)
    with pytest.raises(RateUnavailable):
        rates.rate_or_last("HRK", later)
    with pytest.raises(RateUnavailable):
        rates.rate_or_last("HRK", monday)
