"""The preference memo answers exactly as the engine does, and forgets on a pack reload."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from clearway.origin.domain import DOMAIN, DecisionMemo
from clearway.rules import RulesEngine

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
    memo = DecisionMemo(engine)
    expected = engine.evaluate_many(DOMAIN, questions)
    assert memo.evaluate(questions) == expected  # first time: all asked of the engine
    assert memo.evaluate(questions[::-1]) == expected[::-1]  # then all remembered
    assert memo.evaluate(questions[:3] * 2) == expected[:3] * 2


def test_memo_forgets_when_the_packs_change(engine: RulesEngine, rules_dir: Path) -> None:
    question = (("GB", "*"), date(2025, 6, 2), {
        "agreement": "uk-eu-tca", "proof_type": "STATEMENT_ON_ORIGIN", "proof_valid": True,
        "psr_satisfied": True, "psr_evaluable": True, "tolerance_applied": False,
        "origin_in_party": True, "bom_provided": True,
    })  # fmt: skip
    memo = DecisionMemo(engine)
    (before,) = memo.evaluate([question])
    assert before.values["preference"] == "granted"
    pack = rules_dir / "origin" / "uk-eu-tca.yaml"
    pack.write_text(
        pack.read_text(encoding="utf-8").replace(
            "set: {preference: granted}", "set: {preference: held}"
        ),
        encoding="utf-8",
    )
    assert engine.reload_if_changed()
    (after,) = memo.evaluate([question])
    assert after.values["preference"] == "held" and after.revision != before.revision
