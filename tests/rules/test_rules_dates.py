"""Packs apply on the declaration's date: effective_from inclusive, effective_to exclusive."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest

from clearway.rules import RulesEngine

PackWriter = Callable[[str, str], Path]
PackYaml = Callable[..., str]
EngineFactory = Callable[..., RulesEngine]

DE_MINIMIS = """
- id: US-DM-800
  text: 19 USC 1321 de minimis, at most $800
  when: {fact: value_usd, lte: {param: de_minimis_usd}}
  then: {set: {regime: DE_MINIMIS}}
"""
SUSPENDED = """
- id: US-DM-SUSPENDED
  text: De minimis suspended for all countries; gifts at most $100 stay exempt
  when: {all: [{fact: gift, eq: true}, {fact: value_usd, lte: 100}]}
  then: {set: {regime: GIFT_EXEMPT}}
- id: US-DUTIABLE
  text: Every other shipment is dutiable
  when: {not: {all: [{fact: gift, eq: true}, {fact: value_usd, lte: 100}]}}
  then: {set: {regime: DUTIABLE}}
"""


@pytest.fixture
def us_engine(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> RulesEngine:
    write_pack(
        "valuation/us-de-minimis.yaml",
        pack_yaml(DE_MINIMIS, pack_id="us-de-minimis", domain="valuation", jurisdiction="US",
                  effective_from="2016-03-10", effective_to="2025-08-29",
                  parameters='de_minimis_usd: "800"'),
    )  # fmt: skip
    write_pack(
        "valuation/us-suspended.yaml",
        pack_yaml(SUSPENDED, pack_id="us-suspended", domain="valuation", jurisdiction="US",
                  effective_from="2025-08-29"),
    )  # fmt: skip
    return make_engine()


@pytest.mark.parametrize(
    ("on", "regime", "pack_id"),
    [
        (datetime.date(2025, 8, 28), "DE_MINIMIS", "us-de-minimis"),
        (datetime.date(2025, 8, 29), "DUTIABLE", "us-suspended"),
        (datetime.date(2025, 8, 30), "DUTIABLE", "us-suspended"),
    ],
)
def test_declaration_date_selects_the_pack(
    us_engine: RulesEngine, on: datetime.date, regime: str, pack_id: str
) -> None:
    result = us_engine.evaluate("valuation", "US", on, {"value_usd": 500, "gift": False})
    assert result.values == {"regime": regime}
    assert {rule.pack_id for rule in result.fired} == {pack_id}


def test_gift_stays_exempt_after_suspension(us_engine: RulesEngine) -> None:
    on = datetime.date(2025, 9, 1)
    assert us_engine.evaluate("valuation", "US", on, {"value_usd": 100, "gift": True}).values == {
        "regime": "GIFT_EXEMPT"
    }
    assert us_engine.evaluate("valuation", "US", on, {"value_usd": 101, "gift": True}).values == {
        "regime": "DUTIABLE"
    }


def test_before_any_pack_and_parameters_by_date(us_engine: RulesEngine) -> None:
    assert us_engine.evaluate("valuation", "US", datetime.date(2010, 1, 1), {}).fired == ()
    assert "de_minimis_usd" in us_engine.parameters("valuation", "US", datetime.date(2025, 8, 28))
    assert us_engine.parameters("valuation", "US", datetime.date(2025, 8, 29)) == {}


def test_datetime_is_read_as_its_date(us_engine: RulesEngine) -> None:
    at = datetime.datetime(2025, 8, 28, 23, 59)
    result = us_engine.evaluate("valuation", "US", at, {"value_usd": 800})
    assert result.values == {"regime": "DE_MINIMIS"}


def test_one_engine_keeps_each_date_to_the_packs_in_force_on_it(us_engine: RulesEngine) -> None:
    """Selections are remembered per span between pack boundaries: dates asked in any order,
    on both sides of every boundary, each get their own packs."""
    expected = {
        datetime.date(2016, 3, 9): set(),
        datetime.date(2016, 3, 10): {"us-de-minimis"},
        datetime.date(2020, 6, 1): {"us-de-minimis"},
        datetime.date(2025, 8, 28): {"us-de-minimis"},
        datetime.date(2025, 8, 29): {"us-suspended"},
        datetime.date(2030, 1, 1): {"us-suspended"},
    }
    for on in [*expected, *reversed(expected), *expected]:
        result = us_engine.evaluate("valuation", "US", on, {"value_usd": 500, "gift": False})
        assert {rule.pack_id for rule in result.fired} == expected[on], on
