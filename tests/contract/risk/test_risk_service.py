"""RiskService over gRPC: every RPC, bad requests with field paths, health and list versions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import grpc
import pytest
from google.type import date_pb2, money_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.risk.screening import DEFAULT_THRESHOLD
from clearway.risk.service import RiskService
from clearway.runtime.errors import status_of
from clearway.runtime.server import ServiceHost
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import common_pb2, risk_pb2, risk_pb2_grpc

LISTS = {"OFAC_SDN", "OFAC_CONS", "UN", "BIS_DPL"}


@pytest.fixture(scope="module")
def channel(base_settings: Settings) -> Iterator[grpc.Channel]:
    """One server for the module: loading and indexing the lists takes a couple of seconds."""
    settings = dataclasses.replace(base_settings, rules_reload_seconds=0)
    host = ServiceHost(
        RiskService(settings, Telemetry(RiskService.name, settings)), settings, port=0
    )
    port = host.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as opened:
        yield opened
    host.stop(grace=0)


@pytest.fixture(scope="module")
def listed_entity() -> str:
    """A listed entity name from the lists the server loads (shared data or the starter set)."""
    lists = load_sanctions(resolve_data_dir(None))
    return next(p.name for p in lists.by_list("OFAC_SDN") if p.party_type == "entity")


@pytest.fixture
def stub(channel: grpc.Channel) -> risk_pb2_grpc.RiskServiceStub:
    return risk_pb2_grpc.RiskServiceStub(channel)


def party(role: int, name: str, country: str = "") -> common_pb2.Party:
    return common_pb2.Party(role=role, name=name, address=common_pb2.Address(country_code=country))


def declaration(
    declaration_id: str, seller: str = "Happy Gadgets Co Ltd"
) -> common_pb2.Declaration:
    return common_pb2.Declaration(
        declaration_id=declaration_id,
        declaration_date=date_pb2.Date(year=2025, month=3, day=3),
        destination_country="DE",
        dispatch_country="CN",
        seller=party(common_pb2.PARTY_ROLE_SELLER, seller, "CN"),
        consignee=party(common_pb2.PARTY_ROLE_CONSIGNEE, "Anna Schmidt", "DE"),
        items=[
            common_pb2.DeclarationItem(
                line_number=1,
                description="Power bank 20000mAh",
                quantity=1,
                intrinsic_value=money_pb2.Money(currency_code="EUR", units=18),
            )
        ],
    )


def expect_invalid(call: Callable[[], object]) -> set[str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    info, violations = status_of(error)
    assert info is not None and info.domain == "clearway.dev"
    return {v.field for v in violations}


def test_health_is_serving(channel: grpc.Channel) -> None:
    response = health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service="clearway.v1.RiskService")
    )
    assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_screen_parties_hits_with_versions(
    stub: risk_pb2_grpc.RiskServiceStub, listed_entity: str
) -> None:
    response = stub.ScreenParties(
        risk_pb2.ScreenPartiesRequest(
            parties=[
                party(common_pb2.PARTY_ROLE_SELLER, listed_entity),
                party(common_pb2.PARTY_ROLE_CONSIGNEE, "Anna Schmidt", "DE"),
            ]
        )
    )
    assert response.threshold == pytest.approx(DEFAULT_THRESHOLD)
    assert set(response.list_versions) == LISTS
    assert response.hits
    assert {hit.party_name for hit in response.hits} == {listed_entity}
    hit = response.hits[0]
    assert hit.role == common_pb2.PARTY_ROLE_SELLER and hit.list_id and hit.entry_id
    assert DEFAULT_THRESHOLD <= hit.score <= 1.0 and hit.reason


def test_screen_parties_bad_requests(stub: risk_pb2_grpc.RiskServiceStub) -> None:
    fields = expect_invalid(
        lambda: stub.ScreenParties(
            risk_pb2.ScreenPartiesRequest(
                parties=[
                    common_pb2.Party(role=common_pb2.PARTY_ROLE_SELLER),
                    party(common_pb2.PARTY_ROLE_SELLER, "Bad\x00Name"),
                    party(common_pb2.PARTY_ROLE_SELLER, "x" * 300),
                    party(common_pb2.PARTY_ROLE_SELLER, "Someone", "ZZ"),
                ],
                threshold=1.5,
            )
        )
    )
    assert fields == {
        "threshold",
        "parties[0].name",
        "parties[1].name",
        "parties[2].name",
        "parties[3].address.country_code",
    }
    assert expect_invalid(
        lambda: stub.ScreenParties(risk_pb2.ScreenPartiesRequest(threshold=-0.1))
    ) == {"threshold", "parties"}


def test_assess_risk(stub: risk_pb2_grpc.RiskServiceStub) -> None:
    response = stub.AssessRisk(
        risk_pb2.AssessRiskRequest(
            declaration=declaration("RISK-CT-1"),
            items=[common_pb2.ItemTariffContext(line_number=1, hs_code="850760")],
        )
    )
    assert response.declaration_id == "RISK-CT-1"
    assert "DANGEROUS_GOODS_BATTERY" in {r.code for r in response.reasons}
    assert "UN38_3_TEST_SUMMARY" in response.required_documents
    assert response.channel in (common_pb2.CHANNEL_YELLOW, common_pb2.CHANNEL_RED)
    assert set(response.list_versions) == LISTS
    assert response.rules_revision
    assert {r.rule_id for r in response.explanation.fired_rules} >= {"RSK-LITHIUM"}
    assert response.explanation.notes


def test_an_item_code_written_with_dots_or_spaces_is_read_as_its_digits(
    stub: risk_pb2_grpc.RiskServiceStub,
) -> None:
    for index, written in enumerate(("8507.60", "8507 60")):
        response = stub.AssessRisk(
            risk_pb2.AssessRiskRequest(
                declaration=declaration(f"RISK-CT-CODE-{index}"),
                items=[common_pb2.ItemTariffContext(line_number=1, hs_code=written)],
            )
        )
        assert "DANGEROUS_GOODS_BATTERY" in {r.code for r in response.reasons}, written


def test_assess_risk_blocks_a_listed_seller(
    stub: risk_pb2_grpc.RiskServiceStub, listed_entity: str
) -> None:
    response = stub.AssessRisk(
        risk_pb2.AssessRiskRequest(declaration=declaration("RISK-CT-2", listed_entity))
    )
    assert response.channel == common_pb2.CHANNEL_BLOCK
    assert response.hits and response.hits[0].role == common_pb2.PARTY_ROLE_SELLER


def test_assess_risk_bad_request(stub: risk_pb2_grpc.RiskServiceStub) -> None:
    bad = declaration("RISK-CT-3")
    bad.items[0].quantity = 0
    bad.seller.name = ""
    fields = expect_invalid(
        lambda: stub.AssessRisk(
            risk_pb2.AssessRiskRequest(
                declaration=bad,
                items=[common_pb2.ItemTariffContext(line_number=7, hs_code="12")],
            )
        )
    )
    assert fields == {
        "declaration.items[0].quantity",
        "declaration.seller.name",
        "items[0].line_number",
        "items[0].hs_code",
    }
    assert expect_invalid(lambda: stub.AssessRisk(risk_pb2.AssessRiskRequest())) == {"declaration"}


def test_assess_risk_batch(stub: risk_pb2_grpc.RiskServiceStub) -> None:
    response = stub.AssessRiskBatch(
        risk_pb2.AssessRiskBatchRequest(
            requests=[
                risk_pb2.AssessRiskRequest(declaration=declaration(f"RISK-B-{n}")) for n in range(3)
            ]
        )
    )
    assert [r.declaration_id for r in response.responses] == [f"RISK-B-{n}" for n in range(3)]
    assert all(r.rules_revision and r.list_versions for r in response.responses)


def test_assess_risk_batch_bad_request_names_the_request(
    stub: risk_pb2_grpc.RiskServiceStub,
) -> None:
    bad = declaration("RISK-B-bad")
    bad.destination_country = "XX"
    fields = expect_invalid(
        lambda: stub.AssessRiskBatch(
            risk_pb2.AssessRiskBatchRequest(
                requests=[
                    risk_pb2.AssessRiskRequest(declaration=declaration("RISK-B-ok")),
                    risk_pb2.AssessRiskRequest(declaration=bad),
                ]
            )
        )
    )
    assert fields == {"requests[1].declaration.destination_country"}
    assert expect_invalid(lambda: stub.AssessRiskBatch(risk_pb2.AssessRiskBatchRequest())) == {
        "requests"
    }
