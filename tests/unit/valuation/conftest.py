"""A valuation domain on the repo's rule packs, a small tariff and round exchange rates.

The tariff lines and rates are made up for the tests (round numbers make every expected amount
easy to check by hand); the regimes come from the real packs in rules/valuation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.reference.duty_rates import parse_duty_rate
from clearway.reference.fx import ExchangeRates
from clearway.reference.tariff import Tariff, TariffLine
from clearway.rules import RulesEngine
from clearway.valuation.domain import Valuation

REPO = Path(__file__).resolve().parents[3]
SNAPSHOT_END = date(2025, 5, 9)
PER_EUR = {
    "USD": Decimal("1.25"),
    "GBP": Decimal("0.85"),
    "JPY": Decimal("160"),
    "CNY": Decimal("8"),
    "AUD": Decimal("1.6"),
    "CAD": Decimal("1.5"),
    "SGD": Decimal("1.45"),
    "PLN": Decimal("4"),
    "CZK": Decimal("25"),
    "SEK": Decimal("11"),
    "DKK": Decimal("7.5"),
    "HUF": Decimal("400"),
    "RON": Decimal("5"),
    "BGN": Decimal("1.95583"),
}


def _tariff() -> Tariff:
    def line(code: str, cet: str, ukgt: str) -> TariffLine:
        return TariffLine(
            code, f"line {code}", parse_duty_rate(cet), parse_duty_rate(ukgt), False, False, False
        )

    return Tariff(
        [
            line("6109100010", "12.00%", "12.00%"),
            line("4202221000", "3.00%", "2.00%"),
            line("0406103000", "10.00% + 77.00 EUR/100kg", "10.00% + 77.00 GBP/100kg"),
            line("8517130000", "0.00%", "0.00%"),
        ],
        snapshot="test-tariff",
    )


def _rates() -> ExchangeRates:
    days = []
    day = date(2023, 1, 2)
    while day <= SNAPSHOT_END:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    series = {ccy: dict.fromkeys(days, rate) for ccy, rate in PER_EUR.items()}
    return ExchangeRates(series, source=Path("test-rates.csv"))


@pytest.fixture(scope="session")
def engine() -> Iterator[RulesEngine]:
    with RulesEngine(REPO / "rules", reload_interval=None) as engine:
        yield engine


@pytest.fixture(scope="session")
def valuation(engine: RulesEngine) -> Valuation:
    return Valuation(engine, _tariff(), _rates())


@pytest.fixture(scope="session")
def rates() -> ExchangeRates:
    return _rates()
