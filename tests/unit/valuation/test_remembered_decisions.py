"""The remembered regime decisions change no answer: a generated set of parcels (every
destination, values on both sides of the thresholds, gifts, dates around the changes, repeats)
is assessed with and without the memory, twice, and must come out identical; a reloaded pack
directory is never answered from the memory of the packs it replaced."""

from __future__ import annotations

import random
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

from valuation_builders import declaration, item

from clearway.declarations.model import Address, Money, Party
from clearway.reference.fx import ExchangeRates
from clearway.rules import RulesEngine
from clearway.runtime.errors import ClearwayError
from clearway.valuation.domain import Valuation
from clearway.valuation.model import Assessment, ChargesRequest

REPO = Path(__file__).resolve().parents[3]
DESTINATIONS = {
    "DE": "EUR", "FR": "EUR", "PL": "PLN", "SE": "SEK", "BG": "BGN", "GB": "GBP", "US": "USD",
    "AU": "AUD", "CA": "CAD", "CN": "CNY", "JP": "JPY", "SG": "SGD",
}  # fmt: skip
DATES = [
    date(2024, 6, 3), date(2025, 3, 31), date(2025, 4, 1), date(2025, 8, 28), date(2025, 8, 29),
    date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 1), date(2026, 11, 2),
]  # fmt: skip
CODES = ["610910", "420221", "851713", "330499", "910211", "220421"]
VALUES = ["19.99", "40.00", "45.00", "45.01", "135.00", "150.00", "150.01", "800.00", "4999.00"]


def generated(count: int, seed: int = 7) -> list[ChargesRequest]:
    rng = random.Random(seed)
    requests = []
    for number in range(count):
        destination = rng.choice(list(DESTINATIONS))
        currency = rng.choice([DESTINATIONS[destination], "EUR", "USD"])
        items = [
            item(
                rng.choice(VALUES), currency, code=rng.choice(CODES), line=line, origin_country="CN"
            )
            for line in range(1, rng.choice([1, 1, 2, 3]) + 1)
        ]
        parcel = declaration(
            destination,
            rng.choice(DATES),
            *items,
            freight=rng.choice(["0", "4.99"]),
            dispatch=rng.choice(["CN", "US", "GB"]),
            gift=rng.random() < 0.2,
            ioss_number="IM0000000001" if rng.random() < 0.5 else "",
            consignee=Party("CONSIGNEE", "c", Address(region=rng.choice(["ON", "QC", "AB", ""]))),
        )
        year_total = rng.choice([None, Money(Decimal(rng.choice(["0", "25500.00"])), "CNY")])
        requests.append(ChargesRequest(parcel, consumer_year_total=year_total))
        if number % 5 == 0:
            requests.append(requests[-1])
    return requests


def outcome(result: Assessment | ClearwayError) -> object:
    if isinstance(result, ClearwayError):
        return (type(result).__name__, result.reason, result.message, result.violations)
    return result


def test_answers_with_and_without_the_memory_are_identical(
    engine: RulesEngine, valuation: Valuation
) -> None:
    requests = generated(600)
    remembering = Valuation(engine, valuation.tariff, valuation.rates)
    forgetting = Valuation(engine, valuation.tariff, valuation.rates, remembered_decisions=0)
    expected = [outcome(r) for r in forgetting.assess_each(requests)]
    first = [outcome(r) for r in remembering.assess_each(requests)]
    again = [outcome(r) for r in remembering.assess_each(requests)]
    assert first == expected
    assert again == expected
    assessed = [r for r in expected if isinstance(r, Assessment)]
    assert len(assessed) > 400
    assert len({r.regime for r in assessed}) >= 15


def test_a_reloaded_pack_is_not_answered_from_memory(
    tmp_path: Path, rates: ExchangeRates, valuation: Valuation
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    request = ChargesRequest(
        declaration("DE", date(2025, 3, 3), item("120.00"), ioss_number="IM0000000001")
    )
    with RulesEngine(rules, reload_interval=None) as engine:
        domain = Valuation(engine, valuation.tariff, rates)
        assert domain.assess(request).regime == "EU_IOSS"
        pack = rules / "valuation" / "eu-2021-07-01.yaml"
        pack.write_text(
            pack.read_text().replace(
                'low_value_threshold: "150.00"', 'low_value_threshold: "100.00"'
            )
        )
        assert engine.reload_if_changed()
        assert domain.assess(request).regime == "EU_STANDARD"
