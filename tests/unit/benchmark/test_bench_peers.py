"""The peers answer the same questions: zen's table gives the clearance pack's outcome and payer,
and the screening peers are each scored against what their queries are."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearway.benchmark.peers import (
    CLEARANCE_KEY,
    clearance_decision_graph,
    compare_screening,
    decision_inputs,
    screening_queries,
)
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
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


@pytest.fixture(scope="module")
def screening_figures() -> dict[str, float]:
    lists = load_sanctions(resolve_data_dir(None))
    return compare_screening(lists, screening_queries(lists, 60))


def test_the_screening_peers_are_scored_against_what_the_queries_are(
    screening_figures: dict[str, float],
) -> None:
    """Half the queries are distorted listed names: both matchers flag most of them, and the
    listed/innocent split adds up to the flagged totals of each."""
    figures = screening_figures
    assert figures["queries"] == 60
    assert figures["listed_queries"] == 30
    for side in ("ours", "bruteforce"):
        listed, innocent = figures[f"{side}_listed_flagged"], figures[f"{side}_innocent_flagged"]
        assert listed + innocent == figures[f"{side}_flagged"]
        assert listed >= 25, f"{side} misses most distorted listed names"
    assert figures["ours_innocent_flagged"] == 0
    assert 0 < figures["same_verdict_share"] <= 1
    assert figures["same_entries_share"] == 1.0
    assert figures["ratio_to_bruteforce"] > 0
