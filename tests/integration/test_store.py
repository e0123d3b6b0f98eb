"""The decision store behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest

from clearway.store import DecisionStore, open_store
from clearway.store.base import ConcurrentChange, DecisionRecord

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
    assert first.migrate() == second.migrate() == 2
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
