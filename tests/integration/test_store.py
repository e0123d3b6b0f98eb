"""The decision store behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from google.protobuf import json_format

from clearway.reporting.reader import DecisionReader
from clearway.store import DecisionStore, open_store
from clearway.store.base import (
    MIGRATIONS,
    ConcurrentChange,
    DecisionRecord,
    YearPurchase,
    stored_answer,
)
from clearway.v1 import classification_pb2, valuation_pb2

T0 = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)


def record(
    declaration_id: str,
    outcome: str = "RELEASE",
    *,
    payload: bytes = b"p",
    at: datetime = T0,
    partner: str = "p1",
) -> DecisionRecord:
    return DecisionRecord(
        partner_id=partner,
        declaration_id=declaration_id,
        payload=payload,
        destination_country="DE",
        declaration_date="2026-09-15",
        outcome=outcome,
        decided_at=at,
        decision=f"{declaration_id}:{outcome}".encode(),
        service_answers={"risk": {"channel": "green"}},
        rules_revisions={"clearance": "abc"},
    )


def test_migrations_are_versioned_and_idempotent(store_url: str) -> None:
    first = open_store(store_url)
    second = open_store(store_url)
    assert first.migrate() == second.migrate() == MIGRATIONS[-1][0]
    first.close()
    second.close()


def test_saved_decision_reads_back(store: DecisionStore) -> None:
    (saved,) = store.save_many([record("A1")])
    assert saved.revision == 1
    got = store.get("p1", "A1")
    assert got is not None
    assert (got.outcome, got.decision, got.decided_at) == ("RELEASE", b"A1:RELEASE", T0)
    assert store.get("p2", "A1") is None, "declarations are scoped to their partner"


def test_a_final_decision_is_never_replaced(store: DecisionStore) -> None:
    store.save_many([record("A1", "RELEASE")])
    (again,) = store.save_many([record("A1", "INSPECT")])
    assert again.outcome == "RELEASE"
    assert len(store.history("p1", "A1")) == 1


def test_a_held_decision_is_re_evaluated_as_a_new_revision(store: DecisionStore) -> None:
    store.save_many([record("A1", "HOLD_PENDING_CHECKS")])
    (cleared,) = store.save_many([record("A1", "RELEASE", at=T0 + timedelta(minutes=5))])
    assert (cleared.outcome, cleared.revision) == ("RELEASE", 2)
    versions = store.history("p1", "A1")
    assert [(v.revision, v.kind, v.outcome) for v in versions] == [
        (1, "submitted", "HOLD_PENDING_CHECKS"),
        (2, "reevaluated", "RELEASE"),
    ]
    assert [d.declaration_id for d in store.held("p1", 10)] == []


def test_a_chunk_is_one_transaction(store: DecisionStore) -> None:
    bad = record("B2")
    object.__setattr__(bad, "service_answers", {"not json": object()})
    with pytest.raises(TypeError):
        store.save_many([record("B1"), bad])
    assert store.get("p1", "B1") is None, "nothing of a failed chunk is half-written"
    assert store.count() == 0


def test_list_pages_by_time_and_outcome(store: DecisionStore) -> None:
    store.save_many(
        [
            record(
                f"L{i:02d}", "INSPECT" if i % 3 == 0 else "RELEASE", at=T0 + timedelta(seconds=i)
            )
            for i in range(10)
        ]
    )
    seen: list[str] = []
    token = ""
    while True:
        page = store.list(
            "p1",
            decided_after=None,
            decided_before=None,
            outcomes=[],
            page_size=4,
            page_token=token,
        )
        seen.extend(d.declaration_id for d in page.decisions)
        token = page.next_token
        if not token:
            break
    assert seen == [f"L{i:02d}" for i in range(10)]
    inspected = store.list(
        "p1",
        decided_after=T0 + timedelta(seconds=1),
        decided_before=None,
        outcomes=["INSPECT"],
        page_size=100,
        page_token="",
    )
    assert [d.declaration_id for d in inspected.decisions] == ["L03", "L06", "L09"]


def test_concurrent_saves_of_one_declaration_store_it_once(store: DecisionStore) -> None:
    errors: list[BaseException] = []

    def save() -> None:
        try:
            store.save_many([record("RACE")])
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=save) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.history("p1", "RACE")) == 1


def test_amendment_and_cancellation_keep_every_version(store: DecisionStore) -> None:
    store.save_many([record("M1", "HOLD_FOR_DOCUMENTS", payload=b"v1")])
    amended = dataclasses.replace(
        record("M1", "RELEASE", payload=b"v2", at=T0 + timedelta(hours=1)),
        kind="amended",
        reason="invoice corrected",
    )
    stored = store.supersede(amended, expected_revision=1)
    assert (stored.revision, stored.outcome, stored.payload) == (2, "RELEASE", b"v2")
    current = store.get("p1", "M1")
    assert current is not None and current.payload == b"v2"
    with pytest.raises(ConcurrentChange):
        store.supersede(dataclasses.replace(amended, kind="cancelled"), expected_revision=1)
    versions = store.history("p1", "M1")
    assert [(v.kind, v.reason, v.payload) for v in versions] == [
        ("submitted", "", b"v1"),
        ("amended", "invoice corrected", b"v2"),
    ]


def test_held_lists_only_the_partners_held_parcels(store: DecisionStore) -> None:
    store.save_many(
        [
            record("H1", "HOLD_PENDING_CHECKS"),
            record("H2", "RELEASE"),
            record("H3", "HOLD_PENDING_CHECKS", at=T0 + timedelta(seconds=1)),
            record("H4", "HOLD_PENDING_CHECKS", partner="p2"),
        ]
    )
    assert [d.declaration_id for d in store.held("p1", 10)] == ["H1", "H3"]
    assert [d.declaration_id for d in store.held("p1", 1)] == ["H1"]


def test_service_answers_stored_as_proto_read_back_as_proto_json(store: DecisionStore) -> None:
    valuation = valuation_pb2.CalculateChargesResponse(
        declaration_id="S1", regime="EU_IOSS", rules_revision="v1"
    )
    valuation.total_due_at_import.currency_code = "EUR"
    valuation.total_due_at_import.units = 12
    classified = [
        classification_pb2.ClassifyResponse(best=classification_pb2.HsCandidate(hs_code=code))
        for code in ("610910", "950300")
    ]
    answers = {
        "valuation": stored_answer(valuation),
        "classification": [stored_answer(answer) for answer in classified],
        "clearance": {"fired": ["CLR-RELEASE"]},
    }
    store.save_many(
        [
            dataclasses.replace(record("S1"), service_answers=answers),
            dataclasses.replace(record("S0"), service_answers={"risk": {"channel": "GREEN"}}),
        ]
    )
    read = {d.declaration_id: d.service_answers for d in DecisionReader(store).declarations()}
    as_json = functools.partial(json_format.MessageToDict, preserving_proto_field_name=True)
    assert read["S1"] == {
        "valuation": as_json(valuation),
        "classification": [as_json(answer) for answer in classified],
        "clearance": {"fired": ["CLR-RELEASE"]},
    }
    assert read["S0"] == {"risk": {"channel": "GREEN"}}, "rows stored as proto-JSON read as before"


def test_a_chunk_mixing_new_held_and_repeated_declarations(store: DecisionStore) -> None:
    store.save_many([record("H1", "HOLD_PENDING_CHECKS"), record("F1", "RELEASE")])
    saved = store.save_many(
        [record("N1"), record("H1", "INSPECT"), record("N1", "REFUSE"), record("F1", "REFUSE")]
    )
    assert [(s.declaration_id, s.outcome, s.revision) for s in saved] == [
        ("N1", "RELEASE", 1),
        ("H1", "INSPECT", 2),
        ("N1", "RELEASE", 1),
        ("F1", "RELEASE", 1),
    ]
    assert store.count() == 3
    assert [v.kind for v in store.history("p1", "H1")] == ["submitted", "reevaluated"]


def test_a_declaration_a_replica_stored_meanwhile_is_not_doubled(
    store: DecisionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save_many([record("R1", "RELEASE")])
    monkeypatch.setattr(store, "_stored_keys", lambda cursor, records: set())
    again, fresh = store.save_many([record("R1", "INSPECT"), record("R2")])
    assert (again.outcome, fresh.outcome) == ("RELEASE", "RELEASE")
    assert len(store.history("p1", "R1")) == 1 and store.get("p1", "R2") is not None


def purchase(amount: str, consumer: str = "k1", year: int = 2026) -> YearPurchase:
    return YearPurchase(consumer, year, Decimal(amount), "CNY")


def year_total(store: DecisionStore, consumer: str = "k1", year: int = 2026) -> dict[str, str]:
    """The consumer's stored purchases of the year by (partner/declaration)."""
    found = store.year_purchases([(consumer, year)])[(consumer, year)]
    return {f"{p.partner_id}/{p.declaration_id}": f"{p.currency} {p.amount}" for p in found}


def test_year_purchases_are_stored_with_the_decision_and_replaced_not_added(
    store: DecisionStore,
) -> None:
    assert store.year_purchases([("k1", 2026)]) == {("k1", 2026): []}, "known, and zero"
    store.save_many(
        [
            dataclasses.replace(record("A1", "HOLD_PENDING_CHECKS"), year_purchase=purchase("10")),
            dataclasses.replace(record("A2"), year_purchase=purchase("2500.50")),
            dataclasses.replace(record("A1", partner="p2"), year_purchase=purchase("7")),
            dataclasses.replace(record("A3"), year_purchase=purchase("99", year=2025)),
            dataclasses.replace(record("A4"), year_purchase=purchase("99", consumer="k2")),
        ]
    )
    assert year_total(store) == {"p1/A1": "CNY 10", "p1/A2": "CNY 2500.50", "p2/A1": "CNY 7"}
    store.save_many([dataclasses.replace(record("A2"), year_purchase=purchase("1"))])
    assert year_total(store)["p1/A2"] == "CNY 2500.50", "a replay keeps the stored decision"
    (reevaluated,) = store.save_many(
        [dataclasses.replace(record("A1", "RELEASE"), year_purchase=purchase("12"))]
    )
    assert reevaluated.revision == 2
    assert year_total(store)["p1/A1"] == "CNY 12", "a re-evaluation replaces its part"
    current = store.get("p1", "A2")
    assert current is not None
    store.supersede(
        dataclasses.replace(record("A2", "INSPECT", payload=b"q"), kind="amended"),
        current.revision,
    )
    assert year_total(store) == {"p1/A1": "CNY 12", "p2/A1": "CNY 7"}, (
        "an amendment no longer under the regime takes its part out"
    )
    assert set(store.year_purchases([("k1", 2025), ("k2", 2026), ("k3", 2026)])) == {
        ("k1", 2025),
        ("k2", 2026),
        ("k3", 2026),
    }


def test_a_year_purchase_is_written_in_the_decisions_transaction(store: DecisionStore) -> None:
    broken = purchase("5")
    object.__setattr__(broken, "currency", None)
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        store.save_many(
            [
                dataclasses.replace(record("B1"), year_purchase=purchase("5")),
                dataclasses.replace(record("B2"), year_purchase=broken),
            ]
        )
    assert store.get("p1", "B1") is None, "the decisions went with the failed purchase"
    assert year_total(store) == {}
