"""Malformed declarations through the real clearance service: refused with fields, never INTERNAL.

Thousands of generated declarations (a few valid, most not) go through SubmitManifest and
SubmitDeclaration of the mTLS suite as one partner. Every one gets a decision or
INVALID_ARGUMENT with field violations (ALREADY_EXISTS when a junk id repeats one already
used), the stream always finishes, and the store holds exactly the decided ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from malformed import declarations
from security_suite import SecureSuite, example

from clearway.runtime.errors import details_of, status_of
from clearway.store.base import DecisionStore
from clearway.v1 import clearance_pb2, clearance_pb2_grpc, common_pb2

PARTNER = "fuzzer"
REFUSALS = {grpc.StatusCode.INVALID_ARGUMENT.value[0], grpc.StatusCode.ALREADY_EXISTS.value[0]}


@pytest.fixture(scope="module")
def fuzzer(secure_suite: SecureSuite) -> Iterator[clearance_pb2_grpc.ClearanceServiceStub]:
    """A partner of its own, identified by its client certificate."""
    with secure_suite.channel("clearance", secure_suite.pki.ca.issue(PARTNER)) as channel:
        yield clearance_pb2_grpc.ClearanceServiceStub(channel)


@pytest.fixture(scope="module")
def store(secure_suite: SecureSuite) -> DecisionStore:
    return store_of(secure_suite)


@pytest.fixture(scope="module")
def decided() -> set[str]:
    return set()


def _assert_stored_exactly(
    store: DecisionStore, decided: set[str], ids_decided: list[str], ids_refused: list[str]
) -> None:
    for declaration_id in ids_decided:
        assert store.get(PARTNER, declaration_id) is not None, "a decision is stored first"
    decided.update(ids_decided)
    for declaration_id in ids_refused:
        if declaration_id not in decided:
            assert store.get(PARTNER, declaration_id) is None, "nothing half-written"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(declarations(), min_size=1, max_size=40))
def test_a_manifest_of_generated_declarations_is_answered_one_by_one(
    fuzzer: clearance_pb2_grpc.ClearanceServiceStub,
    store: DecisionStore,
    decided: set[str],
    chunk: list[common_pb2.Declaration],
) -> None:
    responses = list(
        fuzzer.SubmitManifest(
            iter([clearance_pb2.SubmitManifestRequest(declarations=chunk)]), timeout=120
        )
    )
    results = [r for response in responses for r in response.results]
    assert len(results) == len(chunk), "every declaration is answered, the stream finishes"
    ids_decided, ids_refused = [], []
    for result, sent in zip(results, chunk, strict=True):
        assert result.declaration_id == sent.declaration_id
        if result.HasField("decision"):
            ids_decided.append(result.declaration_id)
            continue
        assert result.error.code in REFUSALS, result.error
        info, violations = details_of(result.error)
        assert info is not None and info.domain == "clearway.dev"
        if result.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]:
            assert violations, f"{info.reason}: a refusal names its fields"
        ids_refused.append(result.declaration_id)
    _assert_stored_exactly(store, decided, ids_decided, ids_refused)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(declarations())
def test_a_generated_declaration_alone_is_decided_or_invalid_argument(
    fuzzer: clearance_pb2_grpc.ClearanceServiceStub,
    store: DecisionStore,
    decided: set[str],
    declaration: common_pb2.Declaration,
) -> None:
    try:
        fuzzer.SubmitDeclaration(
            clearance_pb2.SubmitDeclarationRequest(declaration=declaration), timeout=60
        )
    except grpc.RpcError as error:
        assert error.code() in (
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.ALREADY_EXISTS,
        ), f"{error.code()}: {error.details()}"
        info, violations = status_of(error)
        assert info is not None and info.domain == "clearway.dev"
        if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
            assert violations
        _assert_stored_exactly(store, decided, [], [declaration.declaration_id])
    else:
        _assert_stored_exactly(store, decided, [declaration.declaration_id], [])


def _not_utf8_request(index: int) -> bytes:
    """A request holding one declaration whose id is not UTF-8, as wire bytes (the Python
    client cannot build it). Field 1 is `declaration` of SubmitDeclarationRequest and
    `declarations` of SubmitManifestRequest alike."""
    valid = example(index)
    valid.declaration_id = "PLACEHOLDER-ID"
    payload = valid.SerializeToString().replace(b"PLACEHOLDER-ID", b"\xff\xfe-not-utf8xx")
    return b"\x0a" + _varint(len(payload)) + payload


def test_invalid_utf8_in_a_string_field_is_invalid_argument(
    secure_suite: SecureSuite, fuzzer: clearance_pb2_grpc.ClearanceServiceStub
) -> None:
    """proto3 strings must be UTF-8. Left to grpc, a request that does not parse is answered
    INTERNAL before any handler runs; the runtime decodes requests itself and answers
    INVALID_ARGUMENT (REQUEST_NOT_DECODABLE), for single calls and inside a stream."""
    with secure_suite.channel("clearance", secure_suite.pki.ca.issue(PARTNER)) as channel:
        submit = channel.unary_unary("/clearway.v1.ClearanceService/SubmitDeclaration")
        with pytest.raises(grpc.RpcError) as raised:
            submit(_not_utf8_request(5), timeout=10)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        info, violations = status_of(raised.value)
        assert info is not None and info.reason == "REQUEST_NOT_DECODABLE"
        assert [v.field for v in violations] == ["request"]
        manifest = channel.stream_stream("/clearway.v1.ClearanceService/SubmitManifest")
        good = clearance_pb2.SubmitManifestRequest(declarations=[example(7)]).SerializeToString()
        answers = manifest(iter([good, _not_utf8_request(8)]), timeout=30)
        first = clearance_pb2.SubmitManifestResponse.FromString(next(answers))
        assert first.results[0].HasField("decision"), "chunks before the bad one are answered"
        with pytest.raises(grpc.RpcError) as stream:
            next(answers)
        assert stream.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert store_of(secure_suite).get(PARTNER, "\ufffd\ufffd-not-utf8xx") is None
    assert fuzzer.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=example(6)), timeout=30
    ).decision.declaration_id, "the server goes on serving"


def store_of(suite: SecureSuite) -> DecisionStore:
    return suite.hosts["clearance"].service.domain.store  # type: ignore[attr-defined,no-any-return]


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
