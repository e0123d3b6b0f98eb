"""ClassificationService over gRPC: every RPC, bad requests with field paths, health."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearway.classification.service import ClassificationService
from clearway.reference.datadir import starter_data_dir
from clearway.runtime.errors import FieldViolation, status_of
from clearway.v1 import classification_pb2, classification_pb2_grpc

Starter = Callable[..., tuple[object, grpc.Channel]]


@pytest.fixture
def channel(start_service: Starter) -> grpc.Channel:
    _, chan = start_service(
        ClassificationService, data_dir=starter_data_dir(), rules_reload_seconds=0
    )
    return chan


@pytest.fixture
def stub(channel: grpc.Channel) -> classification_pb2_grpc.ClassificationServiceStub:
    return classification_pb2_grpc.ClassificationServiceStub(channel)


def expect_invalid(
    call: Callable[[], object], reason: str = "INVALID_ARGUMENT"
) -> list[FieldViolation]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    info, violations = status_of(error)
    assert info is not None
    assert info.domain == "clearway.dev"
    assert info.reason == reason
    return violations


def test_health_is_serving_after_start(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "clearway.v1.ClassificationService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_classify_returns_candidates_line_and_explanation(
    stub: classification_pb2_grpc.ClassificationServiceStub,
) -> None:
    answer = stub.Classify(
        classification_pb2.ClassifyRequest(
            description="mens cotton tshirt navy XL", destination_country="DE", top_k=2
        )
    )
    assert answer.best.hs_code == "610910"
    assert 0 < answer.best.confidence <= 1
    assert len(answer.alternatives) == 2
    assert all(a.confidence <= answer.best.confidence for a in answer.alternatives)
    assert answer.national_tariff_code.startswith("610910")
    assert len(answer.national_tariff_code) == 8
    assert "cotton" in answer.matched_terms
    assert answer.model_version and answer.rules_revision
    assert answer.explanation.notes
    assert not answer.HasField("declared_code_check")


def test_classify_override_wins_and_is_explained(
    stub: classification_pb2_grpc.ClassificationServiceStub,
) -> None:
    answer = stub.Classify(
        classification_pb2.ClassifyRequest(
            description="Apple AirPods Pro", destination_country="GB"
        )
    )
    assert answer.best.hs_code == "851830"
    assert [r.rule_id for r in answer.explanation.fired_rules] == ["CLS-AIRPODS"]
    assert answer.explanation.fired_rules[0].pack_id == "classification-overrides"
    assert len(answer.national_tariff_code) == 10


def test_classify_checks_declared_code(
    stub: classification_pb2_grpc.ClassificationServiceStub,
) -> None:
    answer = stub.Classify(
        classification_pb2.ClassifyRequest(description="Apple AirPods", declared_hs_code="610910")
    )
    check = answer.declared_code_check
    assert check.declared_hs_code == "610910"
    assert check.exists and not check.plausible
    assert check.suggested_hs_code == "851830"


def test_classify_batch_answers_in_order(
    stub: classification_pb2_grpc.ClassificationServiceStub,
) -> None:
    answer = stub.ClassifyBatch(
        classification_pb2.ClassifyBatchRequest(
            requests=[
                classification_pb2.ClassifyRequest(description="wireless earbuds bluetooth"),
                classification_pb2.ClassifyRequest(description="kids graphic t-shirt cotton"),
            ]
        )
    )
    assert [r.best.hs_code for r in answer.responses] == ["851830", "610910"]
    assert all(r.rules_revision for r in answer.responses)


def test_validate_code(stub: classification_pb2_grpc.ClassificationServiceStub) -> None:
    fits = stub.ValidateCode(
        classification_pb2.ValidateCodeRequest(hs_code="6109100010", description="cotton t-shirt")
    )
    assert fits.check.exists and fits.check.plausible
    assert fits.check.suggested_hs_code == ""
    assert fits.rules_revision and fits.explanation.notes
    wrong = stub.ValidateCode(
        classification_pb2.ValidateCodeRequest(hs_code="610910", description="airpods")
    )
    assert not wrong.check.plausible
    assert wrong.check.suggested_hs_code == "851830"
    assert [r.rule_id for r in wrong.explanation.fired_rules] == ["CLS-AIRPODS"]


def test_empty_description_is_invalid(
    stub: classification_pb2_grpc.ClassificationServiceStub,
) -> None:
    violations = expect_invalid(
        lambda: stub.Classify(classification_pb2.ClassifyRequest(description=" "))
    )
    assert [v.field for v in violations] == ["description"]
    violations = expect_invalid(
        lambda: stub.ValidateCode(classification_pb2.ValidateCodeRequest(hs_code="610910"))
    )
    assert [v.field for v in violations] == ["description"]


def test_bad_fields_are_all_listed(stub: classification_pb2_grpc.ClassificationServiceStub) -> None:
    request = classification_pb2.ClassifyRequest(
        description="x" * 1001, declared_hs_code="12AB", destination_country="ZZ", top_k=99
    )
    violations = expect_invalid(lambda: stub.Classify(request))
    assert {v.field for v in violations} == {
        "description",
        "declared_hs_code",
        "destination_country",
        "top_k",
    }


def test_bad_code_format_is_invalid(
    stub: classification_pb2_grpc.ClassificationServiceStub,
) -> None:
    violations = expect_invalid(
        lambda: stub.ValidateCode(
            classification_pb2.ValidateCodeRequest(hs_code="12AB", description="cotton t-shirt")
        )
    )
    assert [v.field for v in violations] == ["hs_code"]


def test_unknown_code_is_hs_code_unknown(
    stub: classification_pb2_grpc.ClassificationServiceStub,
) -> None:
    violations = expect_invalid(
        lambda: stub.ValidateCode(
            classification_pb2.ValidateCodeRequest(hs_code="999999", description="cotton t-shirt")
        ),
        reason="HS_CODE_UNKNOWN",
    )
    assert [v.field for v in violations] == ["hs_code"]
    violations = expect_invalid(
        lambda: stub.Classify(
            classification_pb2.ClassifyRequest(description="t-shirt", declared_hs_code="99999900")
        ),
        reason="HS_CODE_UNKNOWN",
    )
    assert [v.field for v in violations] == ["declared_hs_code"]


def test_batch_names_the_bad_element(
    stub: classification_pb2_grpc.ClassificationServiceStub,
) -> None:
    request = classification_pb2.ClassifyBatchRequest(
        requests=[
            classification_pb2.ClassifyRequest(description="cotton t-shirt"),
            classification_pb2.ClassifyRequest(description=""),
            classification_pb2.ClassifyRequest(description="mug", declared_hs_code="999999"),
        ]
    )
    violations = expect_invalid(lambda: stub.ClassifyBatch(request))
    assert {v.field for v in violations} == {
        "requests[1].description",
        "requests[2].declared_hs_code",
    }
    violations = expect_invalid(
        lambda: stub.ClassifyBatch(classification_pb2.ClassifyBatchRequest())
    )
    assert [v.field for v in violations] == ["requests"]


@pytest.mark.shared_data
def test_serves_the_real_data(start_service: Starter, shared_data: Path) -> None:
    _, chan = start_service(ClassificationService, data_dir=shared_data, rules_reload_seconds=0)
    stub = classification_pb2_grpc.ClassificationServiceStub(chan)
    answer = stub.Classify(
        classification_pb2.ClassifyRequest(description="100 ariel pods", destination_country="FR")
    )
    assert answer.best.hs_code == "340250"
    assert [r.rule_id for r in answer.explanation.fired_rules] == ["CLS-LAUNDRY-CAPSULES"]
    assert answer.national_tariff_code == ""  # the 2021 tariff snapshot predates HS 2022 3402.50
    shirt = stub.Classify(
        classification_pb2.ClassifyRequest(
            description="mens cotton t-shirt", destination_country="FR"
        )
    )
    assert shirt.national_tariff_code.startswith("610910")
    shelf = stub.Classify(
        classification_pb2.ClassifyRequest(description="lack n wll shlf 110x26 white")
    )
    assert shelf.best.hs_code[:4] == "9403"
    assert "shlf" in shelf.matched_terms
