"""OpenTelemetry traces and metrics: exported over OTLP only when an endpoint is configured."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.grpc import client_interceptor, filters, server_interceptor
from opentelemetry.instrumentation.grpc.grpcext import intercept_channel
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from clearway.runtime.settings import Settings


class Telemetry:
    """The tracer and meter providers of one process, and the gRPC interceptors that use them.

    Spans are recorded only when they go somewhere: to the OTLP endpoint, or to the exporter a
    caller hands in (tests). Otherwise every span is a non-recording one: it still carries a
    trace id, which the logs show and the calls propagate, but no attributes are built and
    kept for nobody (that was a quarter of the cost of the tracing interceptors on each call).
    """

    def __init__(
        self, service: str, settings: Settings, span_exporter: SpanExporter | None = None
    ) -> None:
        resource = Resource.create(
            {"service.name": f"clearway-{service}", "service.namespace": "clearway"}
        )
        exported = bool(settings.otlp_endpoint) or span_exporter is not None
        # None: the SDK's default, parent-based always-on unless OTEL_TRACES_SAMPLER says else
        self.tracer_provider = TracerProvider(
            resource=resource, sampler=None if exported else ALWAYS_OFF
        )
        if span_exporter is not None:
            self.tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
        readers = []
        if settings.otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            self.tracer_provider.add_span_processor(
                BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint))
            )
            readers.append(
                PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=settings.otlp_endpoint))
            )
        self.meter_provider = MeterProvider(resource=resource, metric_readers=readers)
        self.tracer = self.tracer_provider.get_tracer("clearway")
        self.meter = self.meter_provider.get_meter("clearway")

    def install_globally(self) -> None:
        """Make these providers the process defaults (once per process, in `serve`)."""
        trace.set_tracer_provider(self.tracer_provider)
        metrics.set_meter_provider(self.meter_provider)

    def server_interceptors(self) -> list[grpc.ServerInterceptor]:
        """Spans and RPC metrics for every RPC except health checks."""
        return [
            server_interceptor(
                tracer_provider=self.tracer_provider, filter_=filters.negate(filters.health_check())
            ),
            RpcMetricsInterceptor(self.meter),
        ]

    def instrument_channel(self, channel: grpc.Channel) -> grpc.Channel:
        """Client spans for every call on the channel, with the trace context propagated."""
        traced: grpc.Channel = intercept_channel(
            channel, client_interceptor(tracer_provider=self.tracer_provider)
        )
        return traced

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


class RpcMetricsInterceptor(grpc.ServerInterceptor):
    """Counts unary RPCs by method and outcome and records their duration (not health checks)."""

    def __init__(self, meter: metrics.Meter) -> None:
        self.calls = meter.create_counter("clearway.rpc.calls", description="RPCs handled")
        self.duration = meter.create_histogram(
            "clearway.rpc.duration", unit="s", description="Time to answer a unary RPC"
        )

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or handler.unary_unary is None or method.startswith("/grpc.health"):
            return handler
        behaviour = handler.unary_unary

        def measured(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            outcome = "OK"
            try:
                return behaviour(request, context)
            except BaseException:
                outcome = "ERROR"
                raise
            finally:
                attributes = {"rpc.method": method, "rpc.outcome": outcome}
                self.calls.add(1, attributes)
                self.duration.record(time.perf_counter() - started, attributes)

        return grpc.unary_unary_rpc_method_handler(
            measured,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
