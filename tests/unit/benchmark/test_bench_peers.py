"""The peers answer the same questions: zen's table gives the clearance pack's outcome and payer,
and the brute-force scan finds a listed name."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearway.benchmark.peers import CLEARANCE_KEY, clearance_decision_graph, decision_inputs
from clearway.rules import RulesEngine

RULES = Path(__file__).resolve().parents[3] / "rules"


def test_the_zen_table_decides_like_the_clearance_pack() -> None:
    zen = pytest.importorskip("zen")
    engine = zen.ZenEngine(
        {"loader": {"type": "static", "content": {CLEARANCE_KEY: clearance_decision_graph()}}}
    )
    inputs = decision_inputs(300)
    with RulesEngine(RULES, reload_interval=None) as rules:
        ours = rules.evaluate_many("clearance", [(i.jurisdiction, i.on, i.facts()) for i in inputs])
    theirs = engine.evaluate_batch([{"key": CLEARANCE_KEY, "context": i.context()} for i in inputs])
    for evaluation, answer in zip(ours, theirs, strict=True):
        assert answer["success"]
        result = answer["data"]["result"]
        assert (result["outcome"], result["payer"]) == (
            evaluation.values["outcome"],
            evaluation.values["payer"],
        )
