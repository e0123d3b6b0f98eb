"""Drive the orchestrator: declarations per second through SubmitManifest streams, and the
latency of single SubmitDeclaration calls."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import grpc

from clearway.manifest import CHUNK_SIZE, manifest_requests
from clearway.v1 import clearance_pb2, clearance_pb2_grpc, common_pb2

PARTNER = "bench"


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of unsorted samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class StreamResult:
    declarations: int
    seconds: float
    outcomes: Counter[str]
    busy_cores: float = math.nan
    """CPU seconds the suite's processes spent per second of the stream (when measured)."""

    @property
    def per_second(self) -> float:
        return self.declarations / self.seconds if self.seconds > 0 else 0.0


def _stream(
    stub: clearance_pb2_grpc.ClearanceServiceStub,
    declarations: Sequence[common_pb2.Declaration],
    chunk: int,
    outcomes: Counter[str],
    lock: threading.Lock,
) -> None:
    seen: Counter[str] = Counter()
    for response in stub.SubmitManifest(
        manifest_requests(declarations, chunk),
        metadata=[("x-clearway-partner", PARTNER)],
        timeout=3600,
    ):
        for result in response.results:
            if result.HasField("error"):
                seen["REJECTED"] += 1
            else:
                seen[clearance_pb2.Outcome.Name(result.decision.outcome)] += 1
    with lock:
        outcomes.update(seen)


def stream_manifest(
    target: str,
    declarations: Sequence[common_pb2.Declaration],
    *,
    chunk: int = CHUNK_SIZE,
    streams: int = 1,
) -> StreamResult:
    """Send the declarations through `streams` concurrent SubmitManifest streams (disjoint
    slices), and time until every result is back."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    slices = [declarations[index::streams] for index in range(streams)]
    with grpc.insecure_channel(target) as channel:
        stub = clearance_pb2_grpc.ClearanceServiceStub(channel)
        started = time.perf_counter()
        threads = [
            threading.Thread(target=_stream, args=(stub, part, chunk, outcomes, lock))
            for part in slices
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    answered = sum(outcomes.values())
    if answered != len(declarations):
        raise RuntimeError(f"{answered} results for {len(declarations)} declarations")
    return StreamResult(len(declarations), elapsed, outcomes)


def submit_one_by_one(target: str, declarations: Sequence[common_pb2.Declaration]) -> list[float]:
    """Latency in ms of each sequential SubmitDeclaration (refusals are answers too)."""
    latencies: list[float] = []
    metadata = [("x-clearway-partner", PARTNER)]
    with grpc.insecure_channel(target) as channel:
        stub = clearance_pb2_grpc.ClearanceServiceStub(channel)
        for declaration in declarations:
            request = clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
            started = time.perf_counter()
            try:
                stub.SubmitDeclaration(request, metadata=metadata, timeout=30)
            except grpc.RpcError as error:
                if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    raise
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies
