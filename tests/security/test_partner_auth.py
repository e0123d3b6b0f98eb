"""Partners prove who they are, and see, change and list only their own declarations."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import grpc
import pytest
from security_suite import TOKENS, JsonRecords, Pki, SecureSuite, example, free_port

from clearway.cli import _service_class
from clearway.runtime.errors import status_of
from clearway.runtime.server import ServiceHost
from clearway.runtime.settings import PARTNER_AUTH_REQUIRED, Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import clearance_pb2, clearance_pb2_grpc

Stub = clearance_pb2_grpc.ClearanceServiceStub


def bearer(partner: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {TOKENS[partner]}")]


@dataclasses.dataclass
class Partners:
    """Partner A and B by token (through one gateway certificate), and A and B by certificate."""

    a: Stub
    b: Stub
    a_by_cert: Stub
    b_by_cert: Stub
    a_ids: list[str]


class _WithMetadata(grpc.UnaryUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    def __init__(self, metadata: list[tuple[str, str]]) -> None:
        self.metadata = metadata

    def _add(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return details._replace(  # type: ignore[attr-defined,no-any-return]
            metadata=[*(details.metadata or []), *self.metadata]
        )

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._add(details), request)

    def intercept_stream_stream(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._add(details), requests)


@pytest.fixture(scope="module")
def partners(secure_suite: SecureSuite) -> Iterator[Partners]:
    pki = secure_suite.pki
    gateway = secure_suite.channel("clearance", pki.service)
    channels = [
        grpc.intercept_channel(gateway, _WithMetadata(bearer("partner-a"))),
        grpc.intercept_channel(gateway, _WithMetadata(bearer("partner-b"))),
        secure_suite.channel("clearance", pki.partner_a),
        secure_suite.channel("clearance", pki.partner_b),
    ]
    stubs = [Stub(channel) for channel in channels]
    declarations = [example(i) for i in range(20, 24)]
    answers = list(
        stubs[0].SubmitManifest(
            iter([clearance_pb2.SubmitManifestRequest(declarations=declarations)]), timeout=60
        )
    )
    assert all(r.HasField("decision") for a in answers for r in a.results)
    yield Partners(*stubs, a_ids=[d.declaration_id for d in declarations])
    gateway.close()
    for channel in channels[2:]:
        channel.close()


def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as raised:
        call()  # type: ignore[operator]
    return raised.value.code()  # type: ignore[no-any-return]


def test_a_token_and_a_certificate_of_the_same_partner_see_the_same_declarations(
    partners: Partners,
) -> None:
    for stub in (partners.a, partners.a_by_cert):
        answer = stub.GetDecision(
            clearance_pb2.GetDecisionRequest(declaration_id=partners.a_ids[0]), timeout=10
        )
        assert answer.decision.declaration_id == partners.a_ids[0]


@pytest.mark.parametrize("by", ["token", "certificate"])
def test_another_partner_cannot_read_amend_cancel_list_or_trace_them(
    partners: Partners, by: str
) -> None:
    other = partners.b if by == "token" else partners.b_by_cert
    target = partners.a_ids[1]
    assert (
        _code(lambda: other.GetDecision(clearance_pb2.GetDecisionRequest(declaration_id=target)))
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        _code(
            lambda: other.GetDecisionHistory(
                clearance_pb2.GetDecisionHistoryRequest(declaration_id=target)
            )
        )
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        _code(
            lambda: other.CancelDeclaration(
                clearance_pb2.CancelDeclarationRequest(declaration_id=target, reason="mine now")
            )
        )
        == grpc.StatusCode.NOT_FOUND
    )
    amended = example(21)
    amended.items[0].description = "something else entirely"
    assert (
        _code(
            lambda: other.AmendDeclaration(
                clearance_pb2.AmendDeclarationRequest(declaration=amended, reason="x")
            )
        )
        == grpc.StatusCode.NOT_FOUND
    )
    listed = other.ListDecisions(clearance_pb2.ListDecisionsRequest(page_size=1000))
    assert not {d.declaration_id for d in listed.decisions} & set(partners.a_ids)
    reevaluated = other.ReevaluateHeld(clearance_pb2.ReevaluateHeldRequest())
    assert not {d.declaration_id for d in reevaluated.decisions} & set(partners.a_ids)
    history = partners.a.GetDecisionHistory(
        clearance_pb2.GetDecisionHistoryRequest(declaration_id=target)
    )
    assert [v.kind for v in history.versions] == ["submitted"], "nothing of A's was changed"


def test_the_same_declaration_id_from_another_partner_is_its_own(partners: Partners) -> None:
    target = partners.a_ids[2]
    before = partners.a.GetDecision(clearance_pb2.GetDecisionRequest(declaration_id=target))
    theirs = example(22)
    theirs.destination_country = "AT"
    answer = partners.b.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=theirs), timeout=30
    )
    assert not answer.replayed, "B's submission is not a replay of A's"
    after = partners.a.GetDecision(clearance_pb2.GetDecisionRequest(declaration_id=target))
    assert after == before


def test_claiming_to_be_another_partner_is_permission_denied(partners: Partners) -> None:
    spoof = [("x-clearway-partner", "partner-a")]
    for stub in (partners.b, partners.b_by_cert):
        with pytest.raises(grpc.RpcError) as raised:
            stub.ListDecisions(clearance_pb2.ListDecisionsRequest(), metadata=spoof)
        assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
        info, _ = status_of(raised.value)
        assert info is not None and info.reason == "PARTNER_MISMATCH"


def test_an_unknown_token_is_unauthenticated_and_never_echoed_or_logged(
    secure_suite: SecureSuite, captured_logs: JsonRecords
) -> None:
    secret = "not-a-real-token-7f3a9c"
    with secure_suite.channel("clearance", secure_suite.pki.partner_a) as channel:
        for header in (f"Bearer {secret}", f"Basic {secret}", "Bearer "):
            with pytest.raises(grpc.RpcError) as raised:
                Stub(channel).ListDecisions(
                    clearance_pb2.ListDecisionsRequest(), metadata=[("authorization", header)]
                )
            assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
            info, _ = status_of(raised.value)
            assert info is not None and info.domain == "clearway.dev"
            assert info.reason == "PARTNER_TOKEN_INVALID"
            assert secret not in (raised.value.details() or "")
        Stub(channel).ListDecisions(
            clearance_pb2.ListDecisionsRequest(), metadata=bearer("partner-a")
        )
    logged = "\n".join(captured_logs.lines)
    assert "partner authentication refused" in logged
    assert secret not in logged
    assert all(token not in logged for token in TOKENS.values())


@pytest.fixture(scope="module")
def token_orchestrator(base_settings: Settings, pki: Pki) -> Iterator[ServiceHost]:
    """An orchestrator with bearer tokens only (plaintext) and a 64 KiB message limit."""
    unreachable = f"127.0.0.1:{free_port()}"
    settings = dataclasses.replace(
        base_settings,
        partner_tokens_file=pki.tokens_file,
        partner_auth=PARTNER_AUTH_REQUIRED,
        max_message_bytes=64 * 1024,
        database_url=f"sqlite:///{base_settings.state_dir / 'tokens.db'}",
        targets={name: unreachable for name in ("classification", "valuation", "risk", "origin")},
        call_timeout_seconds=1.0,
    )
    host = ServiceHost(
        _service_class("clearance")(settings, Telemetry("clearance", settings)), settings, port=0
    )
    host.start()
    yield host
    host.stop(grace=0)


def test_a_call_without_credentials_is_unauthenticated(token_orchestrator: ServiceHost) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{token_orchestrator.port}") as channel:
        stub = Stub(channel)
        calls = {
            "no credential": [],
            "the development header alone": [("x-clearway-partner", "partner-a")],
        }
        for why, metadata in calls.items():
            with pytest.raises(grpc.RpcError) as raised:
                stub.SubmitDeclaration(
                    clearance_pb2.SubmitDeclarationRequest(declaration=example(0)),
                    metadata=metadata,
                )
            assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED, why
            info, _ = status_of(raised.value)
            assert info is not None and info.reason == "PARTNER_UNAUTHENTICATED", why
        with pytest.raises(grpc.RpcError) as stream:
            list(stub.SubmitManifest(iter([clearance_pb2.SubmitManifestRequest()])))
        assert stream.value.code() == grpc.StatusCode.UNAUTHENTICATED
        listed = stub.ListDecisions(
            clearance_pb2.ListDecisionsRequest(), metadata=bearer("partner-b")
        )
        assert list(listed.decisions) == [], "nothing was stored by the refused calls"


def test_a_message_over_the_limit_is_resource_exhausted(token_orchestrator: ServiceHost) -> None:
    declaration = example(0)
    declaration.items[0].description = "x" * (80 * 1024)
    with (
        grpc.insecure_channel(f"127.0.0.1:{token_orchestrator.port}") as channel,
        pytest.raises(grpc.RpcError) as raised,
    ):
        Stub(channel).SubmitDeclaration(
            clearance_pb2.SubmitDeclarationRequest(declaration=declaration),
            metadata=bearer("partner-a"),
        )
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
