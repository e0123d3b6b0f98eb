"""Mutual TLS: plaintext, certificate-less and foreign clients are refused; clearing works."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from security_suite import TOKENS, SecureSuite, example

from clearway.v1 import clearance_pb2, clearance_pb2_grpc, risk_pb2, risk_pb2_grpc


def _health(channel: grpc.Channel) -> int:
    answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return int(answer.status)


def test_the_orchestrator_clears_a_declaration_over_mutual_tls(secure_suite: SecureSuite) -> None:
    with secure_suite.channel("clearance", secure_suite.pki.partner_a) as channel:
        answer = clearance_pb2_grpc.ClearanceServiceStub(channel).SubmitDeclaration(
            clearance_pb2.SubmitDeclarationRequest(declaration=example(0)), timeout=30
        )
    decision = answer.decision
    assert decision.outcome not in (
        clearance_pb2.OUTCOME_UNSPECIFIED,
        clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS,
    ), f"every service answered the orchestrator over mTLS: {decision.reasons}"
    assert {"classification", "valuation", "risk"} <= set(decision.rules_revisions)


@pytest.mark.parametrize("service", ["risk", "clearance"])
def test_a_plaintext_client_is_refused(secure_suite: SecureSuite, service: str) -> None:
    address = f"127.0.0.1:{secure_suite.hosts[service].port}"
    with grpc.insecure_channel(address) as channel, pytest.raises(grpc.RpcError) as refused:
        _health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", ["risk", "clearance"])
def test_a_client_without_a_certificate_is_refused(secure_suite: SecureSuite, service: str) -> None:
    with secure_suite.channel(service, None) as channel, pytest.raises(grpc.RpcError) as refused:
        _health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_certificate_from_another_ca_is_refused_even_with_a_partner_name(
    secure_suite: SecureSuite,
) -> None:
    with (
        secure_suite.channel("risk", secure_suite.pki.stranger) as channel,
        pytest.raises(grpc.RpcError) as refused,
    ):
        risk_pb2_grpc.RiskServiceStub(channel).AssessRiskBatch(
            risk_pb2.AssessRiskBatchRequest(), timeout=5
        )
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    with (
        secure_suite.channel("clearance", secure_suite.pki.stranger) as channel,
        pytest.raises(grpc.RpcError) as also_refused,
    ):
        _health(channel)
    assert also_refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_client_with_a_certificate_of_the_ca_is_served(secure_suite: SecureSuite) -> None:
    with secure_suite.channel("risk", secure_suite.pki.partner_b) as channel:
        assert _health(channel) == health_pb2.HealthCheckResponse.SERVING


def test_health_alone_is_served_in_plaintext_on_the_health_port(
    secure_suite: SecureSuite,
) -> None:
    """Kubelet's gRPC probes speak plaintext: they get health, and nothing else."""
    port = secure_suite.hosts["clearance"].health_port
    assert port
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        assert _health(channel) == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as other:
            clearance_pb2_grpc.ClearanceServiceStub(channel).GetDecision(
                clearance_pb2.GetDecisionRequest(declaration_id="DEMO-0001"),
                metadata=[("authorization", f"Bearer {TOKENS['partner-a']}")],
                timeout=5,
            )
    assert other.value.code() == grpc.StatusCode.UNIMPLEMENTED
