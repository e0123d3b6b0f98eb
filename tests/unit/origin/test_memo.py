"""Through the memo, the origin packs answer every combination of the preference facts
exactly as they do without it (the memo itself: tests/rules/test_rules_memo.py)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from clearway.origin.domain import DOMAIN
from clearway.rules import EvaluationMemo, RulesEngine

RULES = Path(__file__).resolve().parents[3] / "rules"


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    shutil.copytree(RULES / "origin", tmp_path / "origin")
    return tmp_path


@pytest.fixture
def engine(rules_dir: Path) -> Iterator[RulesEngine]:
    engine = RulesEngine(rules_dir, reload_interval=None)
    yield engine
    engine.close()


def every_question() -> list[tuple[tuple[str, ...], date, dict[str, Any]]]:
    """Every combination of the decision facts, on two dates and for two destinations."""
    flags = ("proof_valid", "psr_satisfied", "psr_evaluable", "tolerance_applied")
    questions = []
    for agreement, proof, on, order, values, more in itertools.product(
        ("uk-eu-tca", "uk-japan-cepa", "non-preferential"),
        ("STATEMENT_ON_ORIGIN", "IMPORTER_KNOWLEDGE", "NONE"),
        (date(2025, 6, 2), date(2026, 11, 20)),
        (("GB", "*"), ("DE", "EU", "*")),
        itertools.product((True, False), repeat=len(flags)),
        itertools.product((True, False), repeat=2),
    ):
        facts = {
            "agreement": agreement,
            "proof_type": proof,
            **dict(zip(flags, values, strict=True)),
        }
        facts |= {"origin_in_party": more[0], "bom_provided": more[1]}
        questions.append((order, on, facts))
    return questions


def test_memo_answers_as_the_engine_does(engine: RulesEngine) -> None:
    questions = every_question()
    memo = EvaluationMemo()
    expected = engine.evaluate_many(DOMAIN, questions)
    # first time: all asked of the engine; then all remembered
    assert engine.evaluate_many(DOMAIN, questions, memo=memo) == expected
    assert engine.evaluate_many(DOMAIN, questions[::-1], memo=memo) == expected[::-1]
    assert engine.evaluate_many(DOMAIN, questions[:3] * 2, memo=memo) == expected[:3] * 2
    assert len(memo) == len(questions) / 4, "both dates and destinations: the same packs in force"
    assert len({e.values.get("preference") for e in expected}) >= 2
