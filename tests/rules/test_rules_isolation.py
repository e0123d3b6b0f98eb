"""Concurrent evaluations are isolated: threads, sessions and durable_rules' own limits."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import durable_rules_engine
import pytest

from clearway.rules import Evaluation, EvaluationError, RulesEngine

PackWriter = Callable[[str, str], Path]
PackYaml = Callable[..., str]
EngineFactory = Callable[..., RulesEngine]

ON = datetime.date(2026, 8, 1)
THREADS = 8
PER_THREAD = 700  # 5,600 evaluations in all: several times durable's 1,024 live sessions

RULES = """
- {id: LOW, text: low, priority: 2, when: {fact: value, lt: 150}, then: {set: {band: low}}}
- {id: MID, text: mid, priority: 1, when: {fact: value, lte: 1000}, then: {set: {band: mid}}}
- {id: ODD, text: odd, when: {fact: parity, eq: odd}, then: {flag: {code: ODD, score: 1}}}
- id: RISKY
  text: risky origin and large
  when: {all: [{fact: origin, in: [AA, BB]}, {fact: value, gt: 900}]}
  then: {channel: red, require_document: INVOICE}
- {id: NAMED, text: named, when: {fact: name, matches: "^n7"}, then: {channel: yellow}}
"""


def facts_for(number: int) -> dict[str, Any]:
    """Distinct facts per request; about a third match no rule at all."""
    facts: dict[str, Any] = {"name": f"n{number}"}
    if number % 3:
        facts["value"] = Decimal(number % 1200) + Decimal("0.25")
        facts["parity"] = "odd" if number % 2 else "even"
        facts["origin"] = ("AA", "BB", "CC")[number % 3]
    return facts


def test_threads_get_exactly_the_single_threaded_answers(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    write_pack("risk/iso.yaml", pack_yaml(RULES))
    engine = make_engine()
    total = THREADS * PER_THREAD
    expected = [engine.evaluate("risk", "EU", ON, facts_for(n)) for n in range(total)]
    assert len({(e.fired, tuple(e.values.items()), e.channel) for e in expected}) > 10

    def run(thread: int) -> list[tuple[int, Evaluation]]:
        numbers = range(thread, total, THREADS)
        return [(n, engine.evaluate("risk", "EU", ON, facts_for(n))) for n in numbers]

    with ThreadPoolExecutor(THREADS) as pool:
        results = [item for chunk in pool.map(run, range(THREADS)) for item in chunk]
    assert len(results) == total
    for number, result in results:
        assert result == expected[number], number


def test_no_background_threads_without_reload(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    write_pack("risk/iso.yaml", pack_yaml(RULES))
    before = set(threading.enumerate())
    engine = make_engine()
    engine.evaluate("risk", "EU", ON, facts_for(1))
    assert set(threading.enumerate()) == before


def test_many_unmatched_facts_then_a_match(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    """Sessions where no rule matches are cleaned up too (durable would hit its cap)."""
    write_pack("risk/iso.yaml", pack_yaml(RULES))
    engine = make_engine()
    for number in range(1500):
        assert engine.evaluate("risk", "EU", ON, {"name": f"x{number}"}).fired == ()
    assert [rule.rule_id for rule in engine.evaluate("risk", "EU", ON, {"value": 1}).fired] == [
        "LOW",
        "MID",
    ]


def test_engine_failure_surfaces_and_the_session_is_still_deleted(
    write_pack: PackWriter,
    pack_yaml: PackYaml,
    make_engine: EngineFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_pack("risk/iso.yaml", pack_yaml(RULES))
    engine = make_engine()

    def failing(handle: int, state: int) -> str:
        raise durable_rules_engine.error("injected")

    monkeypatch.setattr(durable_rules_engine, "complete_and_start_action", failing)
    for number in range(1100):
        with pytest.raises(EvaluationError, match="injected"):
            engine.evaluate("risk", "EU", ON, facts_for(number))
    monkeypatch.undo()
    assert [rule.rule_id for rule in engine.evaluate("risk", "EU", ON, {"value": 1}).fired] == [
        "LOW",
        "MID",
    ]
