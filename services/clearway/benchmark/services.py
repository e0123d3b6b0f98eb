"""Each domain service measured alone: in-process (the servicer called directly, proto in and
out, no transport) and through gRPC (the running service), batch rate and single-call p99."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import grpc

from clearway.benchmark.measure import percentile
from clearway.cli import SERVICE_CLASSES
from clearway.runtime.errors import ClearwayError
from clearway.runtime.server import ClearwayService
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import (
    classification_pb2,
    classification_pb2_grpc,
    common_pb2,
    origin_pb2,
    origin_pb2_grpc,
    risk_pb2,
    risk_pb2_grpc,
    valuation_pb2,
    valuation_pb2_grpc,
)

BATCH = 100


@dataclass(frozen=True)
class Workload:
    """One service's requests and how to call it: batch and single method, request builders."""

    service: str
    unit: str
    single_method: str
    batch_method: str
    requests: Sequence[Any]
    batch: Callable[[Sequence[Any]], Any]
    stub: Callable[[grpc.Channel], Any]


def _contexts(declaration: common_pb2.Declaration) -> list[common_pb2.ItemTariffContext]:
    """The tariff context the orchestrator would pass: the declared subheading of each item."""
    agreement = declaration.origin_claim.agreement
    return [
        common_pb2.ItemTariffContext(
            line_number=item.line_number,
            hs_code=item.declared_hs_code[:6],
            preference_agreement=agreement if item.preference_claimed else "",
        )
        for item in declaration.items
    ]


def workloads(declarations: Sequence[common_pb2.Declaration]) -> list[Workload]:
    classify = [
        classification_pb2.ClassifyRequest(
            description=item.description,
            material=item.material,
            declared_hs_code=item.declared_hs_code,
            destination_country=d.destination_country,
        )
        for d in declarations
        for item in d.items
    ]
    charges = [
        valuation_pb2.CalculateChargesRequest(declaration=d, items=_contexts(d))
        for d in declarations
    ]
    risks = [risk_pb2.AssessRiskRequest(declaration=d, items=_contexts(d)) for d in declarations]
    preferences = [
        origin_pb2.DecidePreferenceRequest(
            declaration=d,
            items=[
                common_pb2.ItemTariffContext(line_number=c.line_number, hs_code=c.hs_code)
                for c in _contexts(d)
            ],
        )
        for d in declarations
        if d.HasField("origin_claim")
    ]
    return [
        Workload(
            "classification",
            "classifications",
            "Classify",
            "ClassifyBatch",
            classify,
            lambda rs: classification_pb2.ClassifyBatchRequest(requests=rs),
            classification_pb2_grpc.ClassificationServiceStub,
        ),
        Workload(
            "valuation",
            "quotes",
            "CalculateCharges",
            "CalculateChargesBatch",
            charges,
            lambda rs: valuation_pb2.CalculateChargesBatchRequest(requests=rs),
            valuation_pb2_grpc.ValuationServiceStub,
        ),
        Workload(
            "risk",
            "risk_assessments",
            "AssessRisk",
            "AssessRiskBatch",
            risks,
            lambda rs: risk_pb2.AssessRiskBatchRequest(requests=rs),
            risk_pb2_grpc.RiskServiceStub,
        ),
        Workload(
            "origin",
            "origin_checks",
            "DecidePreference",
            "DecidePreferenceBatch",
            preferences,
            lambda rs: origin_pb2.DecidePreferenceBatchRequest(requests=rs),
            origin_pb2_grpc.OriginServiceStub,
        ),
    ]


class _HandlerCollector:
    """Stands in for grpc.Server during register(): keeps the method handlers it is given."""

    def __init__(self) -> None:
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}

    def add_generic_rpc_handlers(self, handlers: Sequence[object]) -> None:
        """Registered handlers (below) carry the same methods."""

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        self.handlers.update(handlers)


class _LocalContext:
    """The little of a ServicerContext a servicer may read in-process."""

    def invocation_metadata(self) -> tuple[()]:
        return ()


def load_in_process(name: str, settings: Settings) -> tuple[ClearwayService[Any], dict[str, Any]]:
    """The real service, loaded in this process, and its unary handlers by method name."""
    module, _, attribute = SERVICE_CLASSES[name].partition(":")
    service_type = getattr(importlib.import_module(module), attribute)
    service: ClearwayService[Any] = service_type(settings, Telemetry(name, settings))
    collector = _HandlerCollector()
    service.register(cast(grpc.Server, collector))
    service.load()
    return service, {method: h.unary_unary for method, h in collector.handlers.items()}


def _rate_and_p99(
    workload: Workload,
    call_batch: Callable[[Any], Any],
    call_single: Callable[[Any], Any],
    max_seconds: float,
    singles: int,
) -> tuple[float, float]:
    """Units per second through the batch method, and p99 ms of single calls."""
    requests = workload.requests
    call_batch(workload.batch(requests[:BATCH]))
    done = 0
    started = time.perf_counter()
    while done < len(requests) and time.perf_counter() - started < max_seconds:
        chunk = requests[done : done + BATCH]
        call_batch(workload.batch(chunk))
        done += len(chunk)
    rate = done / (time.perf_counter() - started)
    latencies = []
    for request in requests[:singles]:
        begun = time.perf_counter()
        try:
            call_single(request)
        except (grpc.RpcError, ClearwayError) as error:
            # A refusal (e.g. a duty no tariff line covers) is the service's answer, timed like
            # any other; anything else is a failure of the run.
            if _status(error) != grpc.StatusCode.FAILED_PRECONDITION:
                raise
        latencies.append((time.perf_counter() - begun) * 1000)
    return rate, percentile(latencies, 0.99)


def _status(error: grpc.RpcError | ClearwayError) -> grpc.StatusCode:
    if isinstance(error, ClearwayError):
        return error.code
    return cast(grpc.Call, error).code()


def measure_over_grpc(
    workload: Workload, address: str, max_seconds: float, singles: int
) -> dict[str, float]:
    if not workload.requests:
        return {}
    with grpc.insecure_channel(address) as channel:
        stub = workload.stub(channel)
        batch_method = getattr(stub, workload.batch_method)
        single_method = getattr(stub, workload.single_method)
        rate, p99 = _rate_and_p99(
            workload,
            lambda request: batch_method(request, timeout=120),
            lambda request: single_method(request, timeout=30),
            max_seconds,
            singles,
        )
    return {f"grpc_{workload.unit}_per_s": rate, "grpc_p99_ms": p99}


def measure_in_process(
    workload: Workload, settings: Settings, max_seconds: float, singles: int
) -> dict[str, float]:
    if not workload.requests:
        return {}
    service, handlers = load_in_process(workload.service, settings)
    context = _LocalContext()
    try:
        rate, p99 = _rate_and_p99(
            workload,
            lambda request: handlers[workload.batch_method](request, context),
            lambda request: handlers[workload.single_method](request, context),
            max_seconds,
            singles,
        )
    finally:
        service.close()
    return {f"in_process_{workload.unit}_per_s": rate, "in_process_p99_ms": p99}
