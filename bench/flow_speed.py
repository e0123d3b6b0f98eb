"""The orchestrator's own cost per parcel, in one process: ClearanceFlow over the floor's fake
services called in-process (each request and answer still goes through proto bytes, as over
gRPC), on a null store or SQLite. For before/after ratios while tuning the hot path, and for
profiling (`py-spy record -- python bench/flow_speed.py`).

    python bench/flow_speed.py [--count 5000] [--chunk 100] [--store null|sqlite] [--single]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from google.protobuf.message import Message

from clearway.benchmark.floor import (
    FloorClassificationServicer,
    FloorOriginServicer,
    FloorRiskServicer,
    FloorValuationServicer,
    NullStore,
)
from clearway.benchmark.manifest import generate
from clearway.benchmark.measure import percentile
from clearway.orchestrator.clients import ServiceClients
from clearway.orchestrator.flow import ClearanceFlow
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.generator import listed_names
from clearway.rules import RulesEngine
from clearway.runtime.settings import Settings
from clearway.store import open_store
from clearway.store.base import DecisionStore


class _Call:
    """One RPC of a fake stub: the request and the answer cross as bytes, as on the wire."""

    def __init__(self, handler: Callable[[Any, Any], Message]) -> None:
        self.handler = handler

    def __call__(self, request: Message, timeout: float | None = None) -> Message:
        decoded = type(request).FromString(request.SerializeToString())
        answer = self.handler(decoded, None)
        return type(answer).FromString(answer.SerializeToString())


class _Stub:
    def __init__(self, servicer: object) -> None:
        self.servicer = servicer

    def __getattr__(self, name: str) -> _Call:
        return _Call(getattr(self.servicer, name))


def in_process_clients() -> ServiceClients:
    """ServiceClients whose four stubs are the floor's servicers, without a network."""
    stubs: Any = {
        "classification": _Stub(FloorClassificationServicer()),
        "valuation": _Stub(FloorValuationServicer()),
        "risk": _Stub(FloorRiskServicer()),
        "origin": _Stub(FloorOriginServicer()),
    }
    return ServiceClients(**stubs, channels=())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--store", choices=("null", "sqlite"), default="null")
    parser.add_argument("--single", action="store_true", help="one declaration per call")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    names = listed_names(load_sanctions(resolve_data_dir(None)))
    warmup = generate(300, names, prefix="WARM")
    manifest = generate(args.count, names, prefix="FLOW")
    with tempfile.TemporaryDirectory() as scratch:
        store: DecisionStore = (
            NullStore() if args.store == "null" else open_store(f"sqlite:///{Path(scratch)}/f.db")
        )
        engine = RulesEngine(settings.rules_dir, reload_interval=None)
        flow = ClearanceFlow(in_process_clients(), store, engine, call_timeout=5.0)
        chunk = 1 if args.single else args.chunk
        outcomes: Counter[str] = Counter()
        latencies: list[float] = []
        for declarations, counted in ((warmup, False), (manifest, True)):
            started, cpu_started = time.perf_counter(), time.process_time()
            for start in range(0, len(declarations), chunk):
                begun = time.perf_counter()
                results = flow.clear("bench", declarations[start : start + chunk])
                if counted:
                    latencies.append((time.perf_counter() - begun) * 1000)
                    outcomes.update(
                        "REJECTED" if r.decision is None else str(r.decision.outcome)
                        for r in results
                    )
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
        store.close()
        engine.close()
    print(
        f"{args.count / elapsed:,.0f} declarations/s, {1e6 * cpu / args.count:,.0f} µs CPU each "
        f"({args.store} store, chunk {chunk}); "
        f"per call p50 {percentile(latencies, 0.5):.2f} ms p99 {percentile(latencies, 0.99):.2f} ms"
        f"; outcomes {dict(sorted(outcomes.items()))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
