"""The stored history's reads stay bounded for a party with 20,000 parcels (a marketplace
seller, a consignee importing commercially) on SQLite and PostgreSQL, and still give the rules
the answers the full counts would at the pack's thresholds: below, at and above each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from clearway.reporting.inspections import InspectionLog, InspectionOutcome
from clearway.risk.domain import DOMAIN, count_caps
from clearway.risk.history import AssessedOutcome, HistoryEntry, HistoryQuery, HistoryView
from clearway.rules import RulesEngine
from clearway.store.base import DecisionRecord, open_store
from clearway.store.risk_history import StoredHistory

RULES = Path(__file__).resolve().parents[3] / "rules"
ON = date(2026, 3, 2)
BIG = 20_000
PARTNER = "p1"


@pytest.fixture(scope="module")
def parameters() -> dict[str, Any]:
    """The parameters the service reads for a German destination."""
    with RulesEngine(RULES, reload_interval=None) as engine:
        return dict(engine.parameters(DOMAIN, ("DE", "EU"), ON))


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clearway.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def history(url: str) -> Iterator[StoredHistory]:
    stored = StoredHistory.open(url)
    yield stored
    stored.close()


def entry(
    declaration_id: str,
    *,
    seller: str | None = None,
    consignee: str | None = None,
    address: str | None = None,
    near: bool = False,
    on: date = ON,
) -> HistoryEntry:
    return HistoryEntry(
        PARTNER, declaration_id, on, Decimal("130"), "EUR", consignee, address, seller, near
    )


def bulk(prefix: str, count: int, **keys: Any) -> list[HistoryEntry]:
    """`count` parcels of the same parties, spread over the day and the 29 before it."""
    return [entry(f"{prefix}-{n}", on=ON - timedelta(days=n % 30), **keys) for n in range(count)]


def observe(history: StoredHistory, parameters: dict[str, Any], item: HistoryEntry) -> HistoryView:
    query = HistoryQuery(item, 30, 30, 365, count_caps(parameters))
    (view,) = history.observe([query])
    return view


def threshold(parameters: dict[str, Any], group: str, name: str) -> int:
    return int(parameters[group][name])


def assert_same_answer(capped: int, full: int, cap: int, bar: int) -> None:
    """The capped count is the full one up to the cap, and compares with the bar alike."""
    assert capped == min(full, cap)
    assert (capped >= bar) == (full >= bar)
    assert (capped > bar) == (full > bar)


def test_seller_and_consignee_counts_at_their_thresholds(
    history: StoredHistory, parameters: dict[str, Any]
) -> None:
    caps = count_caps(parameters)
    seller_bar = threshold(parameters, "seller_velocity", "max_parcels")
    consignee_bar = threshold(parameters, "velocity", "max_parcels")
    assert (caps.seller_parcels, caps.consignee_parcels) == (seller_bar + 1, consignee_bar + 1)
    history.record(bulk("s", seller_bar - 2, seller="shop", consignee="crowd"))
    full = seller_bar - 2
    for step in range(3):
        full += 1
        view = observe(history, parameters, entry(f"shop-{step}", seller="shop", consignee="c"))
        assert_same_answer(view.seller_parcels, full, caps.seller_parcels, seller_bar)
    history.record(bulk("more", BIG - full, seller="shop", consignee="crowd"))
    view = observe(history, parameters, entry("shop-big", seller="shop", consignee="crowd"))
    assert_same_answer(view.seller_parcels, BIG + 1, caps.seller_parcels, seller_bar)
    assert_same_answer(view.consignee_parcels, BIG - 2, caps.consignee_parcels, consignee_bar)
    history.record(bulk("few", consignee_bar - 2, consignee="few"))
    for full in range(consignee_bar - 1, consignee_bar + 2):
        view = observe(history, parameters, entry(f"few-{full}", consignee="few"))
        assert_same_answer(view.consignee_parcels, full, caps.consignee_parcels, consignee_bar)


def found_at_inspection(url: str, declaration_id: str) -> None:
    """The orchestrator stored the declaration and an officer's inspection found something."""
    store = open_store(url)
    try:
        record = DecisionRecord(
            PARTNER, declaration_id, b"{}", "DE", ON.isoformat(), "RELEASE",
            datetime(2026, 3, 2, tzinfo=UTC), b"", {}, {},
        )  # fmt: skip
        store.save_many([record])
        InspectionLog(store).record([InspectionOutcome(declaration_id, True, PARTNER)])
    finally:
        store.close()


def test_earlier_high_risk_among_twenty_thousand(
    history: StoredHistory, parameters: dict[str, Any], url: str
) -> None:
    """Consignee: earlier declarations scored high risk; seller: earlier inspection findings."""
    caps = count_caps(parameters)
    bar = threshold(parameters, "repeat_offender", "min_seller_findings")
    consignee_bar = threshold(parameters, "repeat_offender", "min_consignee_declarations")
    score = threshold(parameters, "repeat_offender", "high_risk_score")
    parcels = bulk("s", BIG, seller="shop", consignee="crowd")
    history.record(parcels)
    history.settle(
        [AssessedOutcome(PARTNER, p.declaration_id, score - 1, "yellow", score) for p in parcels]
    )
    probe = entry("probe", seller="shop", consignee="crowd")
    history.observe([HistoryQuery(probe, 30, 30, 365, caps)])
    # The declaration assessed never counts against itself, however it was assessed.
    history.settle([AssessedOutcome(PARTNER, "probe", 100, "block", score)])
    for flagged in range(bar + 2):
        view = observe(history, parameters, probe)
        assert_same_answer(view.seller_prior_findings, flagged, caps.seller_findings, bar)
        assert_same_answer(
            view.consignee_prior_high_risk, flagged, caps.consignee_high_risk, consignee_bar
        )
        history.settle(
            [AssessedOutcome(PARTNER, parcels[flagged].declaration_id, score, "red", score)]
        )
        found_at_inspection(url, parcels[flagged].declaration_id)


def test_split_parcels_among_twenty_thousand(
    history: StoredHistory, parameters: dict[str, Any]
) -> None:
    """Commercial volume at one consignee and one address, a few parcels near the threshold:
    the split reads the near ones (newest first, at most its cap) from both keys, once each."""
    caps = count_caps(parameters)
    bar = threshold(parameters, "split_shipment", "min_parcels")
    history.record(bulk("c", BIG // 2, consignee="shop-buyer", seller="shop"))
    history.record(bulk("a", BIG // 2, address="warehouse", seller="shop"))
    seen: list[str] = []
    for near in range(1, bar + 3):
        name = f"near-{near}"
        keys = {"consignee": "shop-buyer"} if near % 2 else {"address": "warehouse"}
        if near == 1:
            keys = {"consignee": "shop-buyer", "address": "warehouse"}
        history.record([entry(name, near=True, on=ON - timedelta(days=10 - near), **keys)])
        seen.append(name)
        view = observe(
            history,
            parameters,
            entry(f"probe-{near}", consignee="shop-buyer", address="warehouse", near=False),
        )
        ids = [p.declaration_id for p in view.split_parcels]
        assert ids == seen[-caps.split_parcels :]
        assert_same_answer(len(ids), near, caps.split_parcels, bar)


def test_the_split_cap_reads_enough_parcels_for_their_sum() -> None:
    """With a small near fraction more parcels than min_parcels are needed before their sum
    must exceed the threshold; the cap reads that many."""
    caps = count_caps(
        {
            "split_shipment": {"min_parcels": 2, "near_fraction": Decimal("0.3")},
            "split_shipment_limit": {"threshold": Decimal(150), "currency": "EUR"},
        }
    )
    assert caps.split_parcels * Decimal("0.3") > 1
    assert caps.split_parcels == 4
    assert count_caps({}).split_parcels == 4


def plans(url: str, reads: dict[str, tuple[str, tuple[Any, ...]]]) -> dict[str, str]:
    """Each read's query plan, from a connection of its own."""
    found: dict[str, str] = {}
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            for name, (statement, params) in reads.items():
                rows = connection.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
                found[name] = "\n".join(row[-1] for row in rows)
        return found
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE risk_history")
        for name, (statement, params) in reads.items():
            rows = connection.execute(f"EXPLAIN {statement}", params).fetchall()
            found[name] = "\n".join(row[0] for row in rows)
    return found


INDEXES = {
    "split_parcels": ("risk_history_split_by_consignee", "risk_history_split_by_address"),
    "consignee_parcels": ("risk_history_by_consignee",),
    "seller_parcels": ("risk_history_by_seller",),
    "consignee_prior_high_risk": ("risk_history_high_risk_by_consignee",),
    "seller_prior_findings": ("risk_history_findings_by_seller",),
}


def test_every_read_is_an_index_range(
    url: str, history: StoredHistory, parameters: dict[str, Any]
) -> None:
    """Plans on a realistic table: many parties, one of them with 20,000 parcels, one in twenty
    parcels near the threshold or assessed high risk."""
    crowd: Sequence[HistoryEntry] = [
        entry(f"x-{n}", seller=f"s{n % 500}", consignee=f"c{n}", address=f"a{n}", near=n % 7 == 0)
        for n in range(BIG)
    ]
    big = bulk("big", BIG, seller="shop", consignee="buyer", address="depot")
    history.record([*crowd, *big])
    history.settle(
        [
            AssessedOutcome(PARTNER, p.declaration_id, 60 if n % 20 == 0 else 10, "red", 40)
            for n, p in enumerate([*crowd, *big])
        ]
    )
    query = HistoryQuery(
        entry("probe", seller="shop", consignee="buyer", address="depot", near=True),
        30,
        1,
        365,
        count_caps(parameters),
    )
    history.observe([query])
    explained = plans(url, history.reads(query))
    assert explained.keys() == INDEXES.keys()
    for name, plan in explained.items():
        for index in INDEXES[name]:
            assert index in plan, f"{name} does not use {index}:\n{plan}"
        if url.startswith("sqlite:///"):
            assert not [line for line in plan.splitlines() if line.startswith("SCAN risk_history")]
        else:
            assert "Seq Scan" not in plan, f"{name}:\n{plan}"
