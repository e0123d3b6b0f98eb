"""Declaration history (pseudonymous, windowed, idempotent per declaration, the same answers in
memory, on SQLite and on PostgreSQL) and the control-sample draw."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.declarations.model import Address, Party
from clearway.reporting.inspections import InspectionLog, InspectionOutcome
from clearway.risk.history import (
    AssessedOutcome,
    CountCaps,
    DeclarationHistory,
    HistoryEntry,
    HistoryQuery,
    InMemoryConsigneeHistory,
    address_key,
    party_key,
)
from clearway.risk.sampling import in_control_sample, sample_fraction
from clearway.store.base import DecisionRecord, open_store
from clearway.store.risk_history import StoredHistory


def test_keys_are_stable_over_spelling_and_hold_no_name() -> None:
    a = Party("consignee", "José Muñoz", Address(postal_code="28001", country="ES"))
    b = Party("consignee", "JOSE MUNOZ", Address(postal_code="28 001", country="ES"))
    other = Party("consignee", "Jose Munoz", Address(postal_code="28002", country="ES"))
    assert party_key(a) == party_key(b) != party_key(other)
    assert "munoz" not in party_key(a).lower()
    street = Address(("Calle Mayor 5",), "Madrid", "28001", "", "ES")
    assert address_key(street) == address_key(Address(("CALLE  MAYOR 5",), "", "28001", "", "es"))
    assert address_key(Address(postal_code="28001", country="ES")) is None


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DeclarationHistory]:
    if request.param == "memory":
        yield InMemoryConsigneeHistory()
        return
    url = (
        f"sqlite:///{tmp_path / 'clearway.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_schema_url")
    )
    stored = StoredHistory.open(url)
    yield stored
    stored.close()


def query(
    declaration_id: str,
    day: int,
    *,
    value: str = "100",
    consignee: str | None = "c1",
    address: str | None = None,
    seller: str | None = "s1",
    partner: str = "p1",
    window: int = 30,
    near: bool = True,
) -> HistoryQuery:
    entry = HistoryEntry(
        partner,
        declaration_id,
        date(2025, 3, day),
        Decimal(value),
        "EUR",
        consignee,
        address,
        seller,
        near,
    )
    return HistoryQuery(entry, window, 1, 20, CountCaps(100, 100, 100, 100, 100))


def test_window_and_one_record_per_declaration(history: DeclarationHistory) -> None:
    for day in (1, 10, 20):
        history.observe([query(f"d{day}", day)])
    (view,) = history.observe([query("d20", 20, window=11)])
    assert [p.declaration_id for p in view.split_parcels] == ["d10", "d20"]
    assert view.consignee_parcels == 2
    (again,) = history.observe([query("d20", 20)])
    assert again.consignee_parcels == 3
    (amended,) = history.observe([query("d20", 20, value="140.50")])
    assert [p.value for p in amended.split_parcels][-1] == Decimal("140.50")
    assert amended.consignee_parcels == 3
    (other_partner,) = history.observe([query("d20", 20, partner="p2")])
    assert other_partner.consignee_parcels == 4
    (stranger,) = history.observe([query("x", 20, consignee="c2", seller="s2")])
    assert (stranger.consignee_parcels, len(stranger.split_parcels)) == (1, 1)


def test_a_batch_sees_itself_and_the_address_joins_consignees(history: DeclarationHistory) -> None:
    views = history.observe(
        [
            query("a", 5, consignee="anna", address="flat-1"),
            query("b", 5, consignee="ben", address="flat-1"),
            query("c", 5, consignee="ben", address=None),
        ]
    )
    assert [len(v.split_parcels) for v in views] == [2, 3, 2]
    assert [v.consignee_parcels for v in views] == [1, 2, 2]
    assert [v.seller_parcels for v in views] == [3, 3, 3]


def test_earlier_high_risk_declarations(history: DeclarationHistory) -> None:
    history.observe([query(name, day) for name, day in (("old", 1), ("sampled", 10), ("red", 12))])
    history.settle(
        [
            AssessedOutcome("p1", "old", 100, "block", 50),
            AssessedOutcome("p1", "sampled", 0, "red", 50),
            AssessedOutcome("p1", "red", 60, "red", 50),
        ]
    )
    (view,) = history.observe([query("new", 21, consignee="c1", seller="s1")])
    # Scores count against the consignee only; a seller answers for confirmed findings.
    assert (view.consignee_prior_high_risk, view.seller_prior_findings) == (1, 0)
    history.settle([AssessedOutcome("p1", "new", 70, "red", 50)])
    (replayed,) = history.observe([query("new", 21)])
    assert replayed.consignee_prior_high_risk == 1
    (later,) = history.observe([query("later", 30, seller="s9")])
    assert (later.consignee_prior_high_risk, later.seller_prior_findings) == (2, 0)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_inspection_finding_makes_a_repeat_offender(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The orchestrator stored the declaration, an officer found something, the risk service
    counts it against the consignee though it was assessed green; a resubmission keeps the
    finding, a corrected inspection row withdraws it."""
    url = (
        f"sqlite:///{tmp_path / 'clearway.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_schema_url")
    )
    store = open_store(url)
    history = StoredHistory(store)
    history.observe([query("found", 1), query("clean", 2)])
    history.settle([AssessedOutcome("p1", name, 0, "green", 50) for name in ("found", "clean")])
    for name in ("found", "clean"):
        store.save_many(
            [
                DecisionRecord(
                    "p1",
                    name,
                    b"{}",
                    "DE",
                    "2025-03-01",
                    "RELEASE",
                    datetime(2025, 3, 1, tzinfo=UTC),
                    b"",
                    {},
                    {},
                )
            ]
        )
    log = InspectionLog(store)
    opened = datetime(2025, 3, 4, tzinfo=UTC)
    log.record(
        [
            InspectionOutcome("clean", False, "p1"),
            InspectionOutcome("found", True, "p1", inspected_at=opened),
        ]
    )
    (view,) = history.observe([query("next", 3)])
    assert (view.consignee_prior_high_risk, view.seller_prior_findings) == (1, 1)
    history.observe([query("found", 1, value="120")])
    (resubmitted,) = history.observe([query("next", 3)])
    assert resubmitted.consignee_prior_high_risk == 1
    log.record([InspectionOutcome("found", False, "p1", inspected_at=opened)])
    (corrected,) = history.observe([query("next", 3)])
    assert (corrected.consignee_prior_high_risk, corrected.seller_prior_findings) == (0, 0)
    history.close()


@given(st.text(min_size=1, max_size=40))
def test_draw_is_deterministic_and_in_unit_interval(declaration_id: str) -> None:
    fraction = sample_fraction(declaration_id)
    assert Decimal(0) <= fraction < Decimal(1)
    assert fraction == sample_fraction(declaration_id)
    assert in_control_sample(declaration_id, Decimal(1))
    assert not in_control_sample(declaration_id, Decimal(0))


@settings(max_examples=20)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.5"), places=2))
def test_sample_rate_is_respected(rate: Decimal) -> None:
    drawn = sum(in_control_sample(f"DECL-{n}", rate) for n in range(4000))
    assert abs(drawn / 4000 - float(rate)) < 0.03
