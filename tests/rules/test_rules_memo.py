"""EvaluationMemo: a remembered answer is always the answer the engine gives, keys are complete
and normalised, the memo is bounded, safe across threads, and forgets replaced packs."""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clearway.rules import Evaluation, EvaluationMemo, FactError, RulesEngine, compiler

PackWriter = Callable[[str, str], Path]
PackYaml = Callable[..., str]
EngineFactory = Callable[..., RulesEngine]

ON = datetime.date(2026, 8, 1)
RULES = """
- {id: BIG, text: big, when: {fact: value, gt: 100}, then: {set: {band: big}}}
- {id: FLAG, text: flagged, when: {fact: urgent, eq: true}, then: {channel: red}}
- {id: ONE, text: counted one, when: {fact: urgent, eq: 1}, then: {channel: yellow}}
- {id: CODE, text: code, when: {fact: code, starts_with: "61"}, then: {require_document: C}}
- {id: CENTS, text: cents, when: {fact: written, matches: "[.]00$"}, then: {set: {cents: y}}}
"""


@pytest.fixture
def engine(write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory) -> RulesEngine:
    write_pack("risk/memo.yaml", pack_yaml(RULES, parameters="limit: 10"))
    write_pack(
        "risk/de.yaml",
        pack_yaml(
            "- {id: DE, text: german, when: {fact: value, lt: 5}, then: {set: {band: tiny}}}",
            pack_id="de-pack",
            jurisdiction="DE",
            effective_from="2026-09-01",
            parameters="limit: 20",
        ),
    )
    return make_engine()


def questions() -> list[tuple[str | tuple[str, ...], datetime.date, dict[str, Any]]]:
    """Distinct and equal-but-differently-written questions, where a wrong hit would show."""
    found: list[tuple[str | tuple[str, ...], datetime.date, dict[str, Any]]] = []
    for value in (0, Decimal("0.00"), 0.0, Decimal(100), "100.00", Decimal("100.01"), 101, None):
        for urgent in (True, 1, False, 0, None):
            for written in (Decimal(0), Decimal("0.00"), "7.00", None):
                facts = {"value": value, "urgent": urgent, "written": written, "code": "6109"}
                for where, on in (("EU", ON), (("DE", "EU"), ON), ("DE", ON.replace(month=9))):
                    found.append((where, on, facts))
    return found


def test_remembered_answers_are_the_engines_answers(engine: RulesEngine) -> None:
    asked = questions()
    expected = [engine.evaluate("risk", where, on, facts) for where, on, facts in asked]
    memo = EvaluationMemo()
    assert engine.evaluate_many("risk", asked, memo=memo) == expected
    assert engine.evaluate_many("risk", asked[::-1], memo=memo) == expected[::-1]
    assert [engine.evaluate("risk", w, on, f, memo=memo) for w, on, f in asked] == expected
    assert len({(e.fired, e.channel, tuple(e.values.items())) for e in expected}) >= 8
    # 8 values x 5 urgencies (types key apart) x the written forms: 4 where a pack in force
    # reads them as text (EU, and DE in August, before DE's pack), 3 where none does
    assert len(memo) == 8 * 5 * 4 + 8 * 5 * 3


def test_equal_decimals_key_equal_unless_read_as_text(engine: RulesEngine) -> None:
    memo = EvaluationMemo()
    for value in (Decimal(100), Decimal("100.000"), Decimal("1E+2")):
        engine.evaluate("risk", "EU", ON, {"value": value}, memo=memo)
    assert len(memo) == 1, "one number, however written"
    zero, cents = (
        engine.evaluate("risk", "EU", ON, {"written": written}, memo=memo)
        for written in (Decimal(0), Decimal("0.00"))
    )
    assert len(memo) == 3, "`matches` reads the written number, so 0 and 0.00 differ"
    assert (zero.values.get("cents"), cents.values.get("cents")) == (None, "y")


def test_types_key_apart(engine: RulesEngine) -> None:
    """True == 1 == Decimal(1) in Python; to the engine True is no number."""
    memo = EvaluationMemo()
    answers = [
        engine.evaluate("risk", "EU", ON, {"urgent": urgent}, memo=memo).channel
        for urgent in (1, True, Decimal(1), False, 0, 1, True)
    ]
    assert answers == ["yellow", "red", "yellow", None, None, "yellow", "red"]
    assert len(memo) == 5


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"value": [1]}, "fact 'value' has type list"),
        ({"value": Decimal("NaN")}, "finite"),
        ({"value": Decimal("sNaN")}, "finite"),
        ({"value": Decimal("Infinity")}, "finite"),
        ({"written": float("inf")}, "finite"),
        ({7: 1}, "fact names are strings"),
        ({f"f{i}": i for i in range(251)}, "at most 250"),
        (["value"], "facts must be a mapping"),
    ],
)
def test_facts_the_engine_refuses_are_refused_through_the_memo(
    engine: RulesEngine, facts: Any, message: str
) -> None:
    memo = EvaluationMemo()
    for _ in range(2):
        with pytest.raises(FactError, match=message):
            engine.evaluate("risk", "EU", ON, facts, memo=memo)
    assert len(memo) == 0


def test_the_key_is_the_packs_in_force_not_the_date(engine: RulesEngine) -> None:
    memo = EvaluationMemo()
    facts = {"value": 3}
    july, august = (
        engine.evaluate("risk", "DE", on, facts, memo=memo) for on in (ON, ON.replace(day=2))
    )
    assert len(memo) == 1 and july == august, "same packs in force: one answer"
    september = engine.evaluate("risk", "DE", ON.replace(month=9), facts, memo=memo)
    reversed_order = engine.evaluate("risk", ("EU", "DE"), ON.replace(month=9), facts, memo=memo)
    assert september.values["band"] == "tiny" and september.parameters["limit"] == 20
    assert reversed_order.parameters["limit"] == 10, "the order of jurisdictions is in the key"
    assert len(memo) == 3


def test_a_full_memo_starts_again_and_zero_remembers_nothing(engine: RulesEngine) -> None:
    asked = questions()
    expected = engine.evaluate_many("risk", asked)
    small, none = EvaluationMemo(capacity=7), EvaluationMemo(capacity=0)
    for memo in (small, none):
        assert engine.evaluate_many("risk", asked, memo=memo) == expected
        assert engine.evaluate_many("risk", asked[:5], memo=memo) == expected[:5]
    assert 0 < len(small) <= 7 and len(none) == 0
    with pytest.raises(ValueError, match="capacity"):
        EvaluationMemo(capacity=-1)


def test_a_reload_is_never_answered_from_memory(
    engine: RulesEngine, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    memo = EvaluationMemo()
    before = engine.evaluate("risk", "EU", ON, {"value": 150}, memo=memo)
    assert before.values["band"] == "big"
    write_pack("risk/memo.yaml", pack_yaml(RULES.replace("band: big", "band: huge")))
    assert engine.reload_if_changed()
    after = engine.evaluate("risk", "EU", ON, {"value": 150}, memo=memo)
    assert after.values["band"] == "huge" and after.revision != before.revision
    assert len(memo) == 1, "the table of the replaced packs is gone"


def test_threads_and_reloads_get_the_engines_answers(
    engine: RulesEngine, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    """8 threads x 700 evaluations through one small memo (it fills and restarts often)
    while the main thread reloads: each answer is the single-threaded one of its packs, and
    right after a reload the memo answers with the new packs."""
    asked = questions()
    bands = ("big", "huge")
    texts = [pack_yaml(RULES.replace("band: big", f"band: {band}")) for band in bands]
    memo = EvaluationMemo(capacity=50)
    expected: list[list[Evaluation]] = []
    for text in texts:
        write_pack("risk/memo.yaml", text)
        engine.reload_if_changed()
        expected.append(engine.evaluate_many("risk", asked))
    assert expected[0] != expected[1]
    stop = threading.Event()

    def run(thread: int) -> int:
        checked = 0
        for number in range(thread, 8 * 700, 8):
            index = number % len(asked)
            where, on, facts = asked[index]
            answer = engine.evaluate("risk", where, on, facts, memo=memo)
            assert answer in (expected[0][index], expected[1][index]), number
            checked += 1
        return checked

    def reload() -> None:
        version = -1
        while not stop.is_set():
            version += 1  # the second pack serves at the start, so the first comes next
            write_pack("risk/memo.yaml", texts[version % 2])
            assert engine.reload_if_changed()
            band = engine.evaluate("risk", "EU", ON, {"value": 150}, memo=memo).values["band"]
            assert band == bands[version % 2]

    with ThreadPoolExecutor(9) as pool:
        reloading = pool.submit(reload)
        try:
            counts = list(pool.map(run, range(8)))
        finally:
            stop.set()
        reloading.result()
    assert sum(counts) == 8 * 700


class _CountingPattern:
    """A compiled pattern that counts its searches."""

    def __init__(self, source: str) -> None:
        self.compiled = re.compile(source)
        self.pattern, self.flags = self.compiled.pattern, self.compiled.flags
        self.searches = 0

    def search(self, text: str) -> re.Match[str] | None:
        self.searches += 1
        return self.compiled.search(text)


def test_a_pattern_searches_each_text_once_for_every_program() -> None:
    """Each destination's packs compile to a program of their own: a description searched by
    one program's `matches` test is answered from memory in another's, and the memory of a
    pattern is bounded."""
    first, second = _CountingPattern(r"\bknives?\b"), _CountingPattern(r"\bknives?\b")
    in_one, in_other = compiler._pattern_test(first), compiler._pattern_test(second)
    assert in_one("Kitchen knives, set of 3".lower()) is True
    assert in_other("kitchen knives, set of 3") is True
    assert in_other("cotton t-shirt") is False
    assert (first.searches, second.searches) == (1, 1)
    for index in range(compiler.REMEMBERED_TEXTS + 1):
        in_one(f"text {index}")
    assert in_other("cotton t-shirt") is False
    assert second.searches == 2  # forgotten when the memory of the pattern filled
