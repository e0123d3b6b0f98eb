"""The shared bootstrap: health follows loading, errors carry details, RPCs are traced."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from clearway.runtime.errors import FieldViolations, NotFound, status_of
from clearway.runtime.server import ClearwayService, ServiceHost
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry

SERVICE = "clearway.test.Echo"


class EchoService(ClearwayService[str]):
    """A minimal service: answers bytes back, or the error the request names."""

    name = "origin"
    loaded = threading.Event()

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        def echo(request: bytes, context: grpc.ServicerContext) -> bytes:
            if request == b"missing":
                raise NotFound("no such thing", reason="THING_NOT_FOUND")
            if request == b"bad":
                violations = FieldViolations()
                violations.add("a", "is required")
                violations.add("b.c", "must be positive")
                violations.raise_if_any()
            return (self.domain + ":").encode() + request

        handler = grpc.method_handlers_generic_handler(
            SERVICE, {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
        )
        server.add_generic_rpc_handlers((handler,))
        return (SERVICE,)

    def build_domain(self) -> str:
        self.loaded.wait(timeout=10)
        return "echo"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def running(exporter: InMemorySpanExporter) -> Iterator[tuple[ServiceHost, grpc.Channel]]:
    settings = dataclasses.replace(Settings.from_env({}), grace_seconds=0.2)
    telemetry = Telemetry("origin", settings, span_exporter=exporter)
    host = ServiceHost(EchoService(settings, telemetry), settings, port=0)
    EchoService.loaded.clear()
    starter = threading.Thread(target=host.start)
    starter.start()
    while host.port == 0:
        threading.Event().wait(0.01)
    channel = grpc.insecure_channel(f"127.0.0.1:{host.port}")
    yield host, channel
    EchoService.loaded.set()
    starter.join()
    channel.close()
    host.stop(grace=0)


def call(channel: grpc.Channel, payload: bytes) -> bytes:
    result: bytes = channel.unary_unary(f"/{SERVICE}/Echo")(payload, timeout=5)
    return result


def health(channel: grpc.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    status: int = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
    return status


def test_not_serving_until_loaded_then_serving(running: tuple[ServiceHost, grpc.Channel]) -> None:
    host, channel = running
    grpc.channel_ready_future(channel).result(timeout=5)
    assert health(channel) == health_pb2.HealthCheckResponse.NOT_SERVING
    with pytest.raises(grpc.RpcError) as early:
        call(channel, b"hi")
    assert early.value.code() == grpc.StatusCode.UNAVAILABLE, "retryable while loading"
    EchoService.loaded.set()
    for _ in range(100):
        if health(channel) == health_pb2.HealthCheckResponse.SERVING:
            break
        threading.Event().wait(0.05)
    assert health(channel, SERVICE) == health_pb2.HealthCheckResponse.SERVING
    assert call(channel, b"hi") == b"echo:hi"
    host.stop(grace=0.1)
    with pytest.raises(grpc.RpcError):
        call(channel, b"after")


def test_errors_carry_error_info_and_every_field(running: tuple[ServiceHost, grpc.Channel]) -> None:
    _, channel = running
    EchoService.loaded.set()
    grpc.channel_ready_future(channel).result(timeout=5)
    while health(channel) != health_pb2.HealthCheckResponse.SERVING:
        threading.Event().wait(0.05)
    with pytest.raises(grpc.RpcError) as missing:
        call(channel, b"missing")
    info, violations = status_of(missing.value)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert info is not None and (info.domain, info.reason) == ("clearway.dev", "THING_NOT_FOUND")
    assert violations == []
    with pytest.raises(grpc.RpcError) as bad:
        call(channel, b"bad")
    info, violations = status_of(bad.value)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in violations] == ["a", "b.c"]


def test_rpcs_are_traced_and_health_checks_are_not(
    running: tuple[ServiceHost, grpc.Channel], exporter: InMemorySpanExporter
) -> None:
    _, channel = running
    EchoService.loaded.set()
    grpc.channel_ready_future(channel).result(timeout=5)
    while health(channel) != health_pb2.HealthCheckResponse.SERVING:
        threading.Event().wait(0.05)
    exporter.clear()
    call(channel, b"traced")
    health(channel)
    names = [span.name for span in exporter.get_finished_spans()]
    assert names == [f"/{SERVICE}/Echo"]


def test_spans_are_recorded_only_when_something_exports_them() -> None:
    """Without an exporter a span builds nothing, yet keeps a trace id for logs and callees."""
    settings = Settings.from_env({})
    with Telemetry("origin", settings).tracer.start_as_current_span("call") as span:
        assert not span.is_recording()
        assert span.get_span_context().is_valid
    exporter = InMemorySpanExporter()
    traced = Telemetry("origin", settings, span_exporter=exporter)
    with traced.tracer.start_as_current_span("call") as span:
        assert span.is_recording()
    assert [finished.name for finished in exporter.get_finished_spans()] == ["call"]
