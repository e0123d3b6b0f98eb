"""Leaf operators, exact Decimal boundaries, all/any/not and parameters, each as one rule."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clearway.rules import RulesEngine

D = Decimal
ON = datetime.date(2026, 8, 1)
MISSING: dict[str, Any] = {}

# (condition as flow YAML, [(facts, fires?), ...]); each condition becomes rule L<index>.
CONDITIONS: list[tuple[str, list[tuple[dict[str, Any], bool]]]] = [
    (
        "{fact: v, lte: '150'}",
        [
            ({"v": D("150.00")}, True),
            ({"v": D("150.01")}, False),
            ({"v": D("149.995")}, True),
            ({"v": D("150.000000001")}, False),
            ({"v": "150"}, True),
            ({"v": 150}, True),
            ({"v": 151}, False),
            (MISSING, False),
        ],
    ),
    (
        "{fact: v, lt: 150}",
        [
            ({"v": D("149.995")}, True),
            ({"v": D("150")}, False),
            ({"v": D("149.99999999999999999999999999999")}, True),
            ({"v": D("150.0000000000000000000000000001")}, False),
            ({"v": D("-1E+30")}, True),
        ],
    ),
    (
        "{fact: v, gt: 150.00}",
        [
            ({"v": D("150.0000001")}, True),
            ({"v": D("150")}, False),
            ({"v": D("1E+30")}, True),
        ],
    ),
    ("{fact: v, gte: 150}", [({"v": D("149.9999999")}, False), ({"v": D("150.0")}, True)]),
    (
        "{fact: v, eq: '150'}",
        [
            ({"v": D("150.00")}, True),
            ({"v": "150.0"}, True),
            ({"v": 150}, True),
            ({"v": D("150.0000001")}, False),
            ({"v": "abc"}, False),
            (MISSING, False),
        ],
    ),
    (
        "{fact: v, ne: 150}",
        [
            ({"v": D("150.00")}, False),
            ({"v": D("151")}, True),
            ({"v": "abc"}, True),
            (MISSING, False),
        ],
    ),
    ("{fact: v, lt: -0.5}", [({"v": D("-0.51")}, True), ({"v": D("-0.5")}, False)]),
    ("{fact: v, lte: 0.3}", [({"v": 0.3}, True), ({"v": 0.1 + 0.2}, False)]),
    ("{fact: v, lt: -999999999999}", [({"v": D("-1E+30")}, True), ({"v": D("1E+30")}, False)]),
    ("{not: {fact: v, lt: 1}}", [(MISSING, True), ({"v": 0}, False), ({"v": 1}, True)]),
    (
        "{not: {fact: v, lte: 150}}",
        [({"v": D("150.01")}, True), ({"v": 150}, False), (MISSING, True)],
    ),
    (
        "{not: {fact: v, eq: 5}}",
        [({"v": 5}, False), ({"v": 6}, True), (MISSING, True), ({"v": "abc"}, True)],
    ),
    ("{not: {fact: v, ne: 5}}", [({"v": 5}, True), ({"v": 6}, False), (MISSING, True)]),
    (
        "{fact: code, eq: '0101'}",
        [({"code": "0101"}, True), ({"code": "101"}, False), ({"code": 101}, False)],
    ),
    (
        "{fact: incoterm, eq: DDP}",
        [({"incoterm": "DDP"}, True), ({"incoterm": "ddp"}, False), ({"incoterm": 1}, False)],
    ),
    (
        "{fact: incoterm, ne: DDP}",
        [({"incoterm": "DAP"}, True), ({"incoterm": "DDP"}, False), (MISSING, False)],
    ),
    (
        "{fact: gift, eq: true}",
        [
            ({"gift": True}, True),
            ({"gift": False}, False),
            ({"gift": "true"}, False),
            ({"gift": 1}, False),
        ],
    ),
    ("{fact: gift, ne: true}", [({"gift": False}, True), (MISSING, False)]),
    (
        "{fact: country, in: [CN, HK]}",
        [({"country": "CN"}, True), ({"country": "US"}, False), (MISSING, False)],
    ),
    (
        "{fact: country, not_in: [CN, HK]}",
        [({"country": "US"}, True), ({"country": "CN"}, False), (MISSING, False)],
    ),
    (
        "{fact: qty, in: [1, '2', 3.5]}",
        [
            ({"qty": 2}, True),
            ({"qty": "3.50"}, True),
            ({"qty": D("1.0")}, True),
            ({"qty": 4}, False),
            ({"qty": True}, False),
        ],
    ),
    (
        "{fact: hs, starts_with: ['8517', '0101']}",
        [
            ({"hs": "851713"}, True),
            ({"hs": "010121"}, True),
            ({"hs": "851"}, False),
            ({"hs": 851713}, True),
        ],
    ),
    ("{fact: hs, starts_with: '93'}", [({"hs": "930200"}, True), ({"hs": "8593"}, False)]),
    (
        "{fact: description, matches: 'lithium|li-ion'}",
        [
            ({"description": "LITHIUM battery"}, True),
            ({"description": "a Li-Ion pack"}, True),
            ({"description": "nickel"}, False),
            (MISSING, False),
        ],
    ),
    (
        "{fact: ioss, present: true}",
        [({"ioss": "IM1"}, True), (MISSING, False), ({"ioss": None}, False)],
    ),
    ("{fact: ioss, present: false}", [(MISSING, True), ({"ioss": "IM1"}, False)]),
    (
        "{all: [{fact: a, gt: 1}, {fact: b, eq: x}]}",
        [({"a": 2, "b": "x"}, True), ({"a": 2, "b": "y"}, False), ({"b": "x"}, False)],
    ),
    (
        "{any: [{fact: a, gt: 1}, {fact: b, eq: x}]}",
        [({"a": 0, "b": "x"}, True), ({"a": 0, "b": "y"}, False), ({"a": 2, "b": "x"}, True)],
    ),
    (
        "{not: {any: [{fact: a, gt: 1}, {fact: b, eq: x}]}}",
        [({"a": 0, "b": "y"}, True), (MISSING, True), ({"a": 2}, False)],
    ),
    (
        "{not: {all: [{fact: a, gt: 1}, {not: {fact: b, in: [x]}}]}}",
        [({"a": 2, "b": "x"}, True), ({"a": 2, "b": "y"}, False), ({"a": 0}, True)],
    ),
    (
        "{fact: v, lte: {param: ioss_threshold_eur}}",
        [({"v": D("150")}, True), ({"v": D("150.01")}, False)],
    ),
    ("{fact: rate, eq: {param: vat_rates.DE}}", [({"rate": 19}, True), ({"rate": 20}, False)]),
    (
        "{fact: country, in: {param: eu_members}}",
        [({"country": "FR"}, True), ({"country": "GB"}, False)],
    ),
    (
        "{fact: hs, starts_with: {param: battery_headings}}",
        [({"hs": "850650"}, True), ({"hs": "850710"}, True), ({"hs": "8508"}, False)],
    ),
]

PARAMETERS = """
parameters:
  ioss_threshold_eur: "150.00"
  vat_rates: {DE: "19", FR: "20"}
  eu_members: [DE, FR, IT]
  battery_headings: ["8506", "8507"]
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RulesEngine]:
    directory: Path = tmp_path_factory.mktemp("rules")
    rules = "\n".join(
        f"  - {{id: L{index}, text: 'leaf {index}', when: {condition}, then: {{channel: red}}}}"
        for index, (condition, _) in enumerate(CONDITIONS)
    )
    (directory / "ops.yaml").write_text(
        "pack: {id: ops, domain: risk, jurisdiction: EU, version: '1',"
        " effective_from: 2020-01-01, title: operators}\n"
        f"{PARAMETERS}rules:\n{rules}\n",
        encoding="utf-8",
    )
    engine = RulesEngine(directory, reload_interval=None)
    yield engine
    engine.close()


@pytest.mark.parametrize(
    ("index", "facts", "fires"),
    [
        pytest.param(index, facts, fires, id=f"L{index} {condition} {facts} -> {fires}")
        for index, (condition, checks) in enumerate(CONDITIONS)
        for facts, fires in checks
    ],
)
def test_leaf(engine: RulesEngine, index: int, facts: dict[str, Any], fires: bool) -> None:
    result = engine.evaluate("risk", "EU", ON, facts)
    fired = [rule.rule_id for rule in result.fired]
    assert (f"L{index}" in fired) is fires
    assert len(fired) == len(set(fired)), "a rule matched on several paths is reported once"


def test_parameters_and_set_values(engine: RulesEngine) -> None:
    parameters = engine.parameters("risk", "EU", ON)
    assert parameters["ioss_threshold_eur"] == D("150.00")
    assert parameters["vat_rates"]["DE"] == D("19")
    assert parameters["eu_members"] == ("DE", "FR", "IT")
    assert parameters["battery_headings"] == (D("8506"), D("8507"))
