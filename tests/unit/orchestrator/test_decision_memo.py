"""Through the memo, the clearance pack answers every combination of the decision facts
exactly as it does without it (the memo itself: tests/rules/test_rules_memo.py)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.orchestrator.decision import DecisionFacts, decide
from clearway.rules import EvaluationMemo, RulesEngine

PACK = Path(__file__).resolve().parents[3] / "rules" / "clearance" / "decision.yaml"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[RulesEngine]:
    (tmp_path / "clearance").mkdir()
    shutil.copy(PACK, tmp_path / "clearance" / PACK.name)
    with RulesEngine(tmp_path, reload_interval=None) as rules:
        yield rules


def every_combination() -> list[tuple[date, DecisionFacts]]:
    return [
        (on, DecisionFacts(country, pending, manual, channel, due, incoterm))
        for on, country, pending, manual, channel, due, incoterm in itertools.product(
            (date(2025, 9, 1), date(2026, 9, 1)),
            ("DE", "US"),
            (False, True),
            (False, True),
            ("green", "yellow", "red", "block"),
            (Decimal(0), Decimal("0.00"), Decimal("12.40")),
            ("", "DDP"),
        )
    ]


def test_the_memo_answers_what_the_engine_answers(engine: RulesEngine) -> None:
    facts = every_combination()
    memo = EvaluationMemo()
    expected = decide(engine, facts)
    assert decide(engine, facts, memo) == expected, "first pass: every combination evaluated"
    assert decide(engine, facts[::-1], memo) == expected[::-1], "second pass: from the memo"
    # both destinations and dates have the same pack in force, and 0 and 0.00 are one amount
    assert len(memo) == 2 * 2 * 4 * 2 * 2, "pending, manual, channel, due, incoterm"
    outcomes = {evaluation.values.get("outcome") for evaluation in expected}
    assert len(outcomes) >= 5, "the combinations reach every outcome, so a wrong hit would show"
