"""The in-memory consignee history (the simulator's and a store-less risk service's) answers
exactly as the stored one, on a random stream of recordings, resubmissions and settled
outcomes."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.risk.history import (
    AssessedOutcome,
    CountCaps,
    HistoryEntry,
    HistoryQuery,
    InMemoryConsigneeHistory,
)
from clearway.store.risk_history import StoredHistory

START = date(2026, 6, 1)


def _query(rng: random.Random, caps: CountCaps) -> HistoryQuery:
    """Few parties and ids, so parcels share consignees, addresses and sellers and some
    declarations are submitted again with other parties or dates."""
    entry = HistoryEntry(
        partner_id=rng.choice(("P1", "P2")),
        declaration_id=f"D{rng.randrange(60)}",
        declared_on=START + timedelta(days=rng.randrange(50)),
        value=Decimal(rng.randrange(1, 200)),
        currency="EUR",
        consignee_key=rng.choice((None, "c1", "c2", "c3", "c4")),
        address_key=rng.choice((None, "a1", "a2", "a3")),
        seller_key=rng.choice((None, "s1", "s2")),
        split_near=rng.random() < 0.4,
    )
    return HistoryQuery(
        entry,
        window_days=rng.choice((1, 7, 30)),
        seller_window_days=rng.choice((1, 3)),
        lookback_days=rng.choice((10, 365)),
        caps=caps,
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cap", [2, 1000])
def test_in_memory_history_answers_as_the_stored_history(
    seed: int, cap: int, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    caps = CountCaps(cap, cap, cap, cap, cap)
    plain, stored = InMemoryConsigneeHistory(), StoredHistory.open(f"sqlite:///{tmp_path / 'h.db'}")
    views = 0
    for _batch in range(120):
        queries = [_query(rng, caps) for _ in range(rng.randrange(1, 6))]
        expected = plain.observe(queries)
        assert stored.observe(queries) == expected
        views += sum(bool(v.split_parcels) and v.consignee_prior_high_risk > 0 for v in expected)
        outcomes = [
            AssessedOutcome(
                q.entry.partner_id,
                q.entry.declaration_id if rng.random() < 0.9 else "unknown",
                rng.choice((0, 20, 45, 80)),
                rng.choice(("green", "red", "block")),
                40,
            )
            for q in queries
        ]
        plain.settle(outcomes)
        stored.settle(outcomes)
    stored.close()
    assert views > 0, "the stream exercises split parcels and earlier high-risk declarations"
