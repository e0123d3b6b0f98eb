"""The floor's fake handlers answer every entry of a batch with a valid answer of the right shape,
and its store keeps nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from clearway.benchmark.floor import (
    FloorClassificationServicer,
    FloorOriginServicer,
    FloorRiskServicer,
    FloorValuationServicer,
    NullStore,
)
from clearway.benchmark.manifest import generate
from clearway.benchmark.services import _HandlerCollector, workloads
from clearway.declarations.codec import money_from_proto
from clearway.store.base import DecisionRecord
from clearway.v1 import classification_pb2, common_pb2, origin_pb2, risk_pb2, valuation_pb2

DECLARATIONS = generate(300, ("Islamic Revolutionary Guard Corps",))


def _requests(service: str) -> list[object]:
    return list(next(w for w in workloads(DECLARATIONS) if w.service == service).requests)


def test_classification_accepts_the_declared_code_for_every_item() -> None:
    requests = _requests("classification")
    batch = classification_pb2.ClassifyBatchRequest(requests=requests)
    answer = FloorClassificationServicer().ClassifyBatch(batch, None)  # type: ignore[arg-type]
    assert len(answer.responses) == len(requests)
    for request, response in zip(batch.requests, answer.responses, strict=True):
        assert response.best.hs_code == request.declared_hs_code[:6]
        assert response.declared_code_check.exists and response.declared_code_check.plausible
        assert response.rules_revision
    round_trip = classification_pb2.ClassifyBatchResponse.FromString(answer.SerializeToString())
    assert round_trip == answer


def test_valuation_answers_each_declaration_with_valid_money() -> None:
    requests = _requests("valuation")
    batch = valuation_pb2.CalculateChargesBatchRequest(requests=requests)
    answer = FloorValuationServicer().CalculateChargesBatch(batch, None)  # type: ignore[arg-type]
    assert [r.declaration_id for r in answer.responses] == [
        r.declaration.declaration_id for r in batch.requests
    ]
    for response in answer.responses:
        assert money_from_proto(response.total_due_at_import) == 0
        assert len(response.total_due_at_import.currency_code) == 3
        assert response.rules_revision


def test_risk_answers_green_for_each_declaration() -> None:
    requests = _requests("risk")
    batch = risk_pb2.AssessRiskBatchRequest(requests=requests)
    answer = FloorRiskServicer().AssessRiskBatch(batch, None)  # type: ignore[arg-type]
    assert len(answer.responses) == len(requests)
    assert {r.channel for r in answer.responses} == {common_pb2.CHANNEL_GREEN}


def test_origin_grants_every_item_it_is_sent() -> None:
    requests = _requests("origin")
    assert requests, "the manifest has preference claims"
    batch = origin_pb2.DecidePreferenceBatchRequest(requests=requests)
    answer = FloorOriginServicer().DecidePreferenceBatch(batch, None)  # type: ignore[arg-type]
    for request, response in zip(batch.requests, answer.responses, strict=True):
        assert response.declaration_id == request.declaration.declaration_id
        assert [i.line_number for i in response.items] == [i.line_number for i in request.items]
        assert all(i.granted and i.agreement == "uk-eu-tca" for i in response.items)


def test_the_null_store_keeps_nothing_and_acknowledges_everything() -> None:
    store = NullStore()
    record = DecisionRecord(
        partner_id="bench",
        declaration_id="D-1",
        payload=b"declaration",
        destination_country="DE",
        declaration_date="2026-09-15",
        outcome="RELEASE",
        decided_at=datetime(2026, 9, 15, tzinfo=UTC),
        decision=b"decision",
        service_answers={},
        rules_revisions={},
    )
    (stored,) = store.save_many([record])
    assert stored.decision == record.decision and stored.payload_sha256 == record.payload_sha256
    assert store.get_many("bench", ["D-1"]) == {}
    assert store.get("bench", "D-1") is None


def test_register_hands_the_method_handlers_to_the_collector() -> None:
    from typing import cast

    import grpc

    from clearway.benchmark.floor import FloorRiskService
    from clearway.runtime.settings import Settings
    from clearway.runtime.telemetry import Telemetry

    settings = Settings()
    collector = _HandlerCollector()
    FloorRiskService(settings, Telemetry("risk", settings)).register(cast(grpc.Server, collector))
    assert {"ScreenParties", "AssessRisk", "AssessRiskBatch"} <= set(collector.handlers)
