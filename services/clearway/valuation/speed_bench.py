"""Valuation speed: `python -m clearway.valuation.speed_bench`.

Three figures on the benchmark manifest: CalculateChargesBatch through the real servicer in
this process (what `clearway bench` reports as in-process), the same over gRPC on loopback, and
the p50/p99 of single QuoteLandedCost calls on loopback. Each in-process pass sees parcels the
previous passes did not (the regime memory is not flattered by repeats). Throughput is given per
CPU second of this process and per wall second: on a shared machine compare runs made together.
`--requests FILE` keeps the generated manifest, so another checkout of the code (PYTHONPATH)
can be measured on the same parcels.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc

from clearway.benchmark.manifest import generate
from clearway.reference.datadir import resolve_data_dir
from clearway.runtime.server import ClearwayService, ServiceHost, settle_heap
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import valuation_pb2, valuation_pb2_grpc
from clearway.valuation.service import ValuationService, ValuationServicer

BATCH = 500
PASSES = 3


def _manifest(path: Path | None, parcels: int) -> list[valuation_pb2.CalculateChargesRequest]:
    if path is not None and path.exists():
        return list(
            valuation_pb2.CalculateChargesBatchRequest.FromString(path.read_bytes()).requests
        )
    manifest = valuation_pb2.CalculateChargesBatchRequest(
        requests=[
            valuation_pb2.CalculateChargesRequest(declaration=d) for d in generate(parcels, [])
        ]
    )
    if path is not None:
        path.write_bytes(manifest.SerializeToString())
    return list(manifest.requests)


def _quote(message: valuation_pb2.CalculateChargesRequest) -> valuation_pb2.QuoteLandedCostRequest:
    declaration = message.declaration
    return valuation_pb2.QuoteLandedCostRequest(
        destination_country=declaration.destination_country,
        dispatch_country=declaration.dispatch_country,
        sale_date=declaration.declaration_date,
        lines=[
            valuation_pb2.BasketLine(
                description=item.description,
                hs_code=item.declared_hs_code,
                quantity=1,
                unit_price=item.intrinsic_value,
                net_mass_kg=item.net_mass_kg,
                origin_country=item.origin_country,
            )
            for item in declaration.items
        ],
        shipping=declaration.freight,
        seller_registered=True,
    )


def _in_process(
    settings: Settings, passes: list[list[valuation_pb2.CalculateChargesBatchRequest]]
) -> tuple[float, float]:
    """Best CPU and wall seconds of one pass through the servicer, without gRPC."""
    service = ValuationService(settings, Telemetry(ValuationService.name, settings))
    service.load()
    settle_heap()
    try:
        servicer = ValuationServicer(service)
        servicer.CalculateChargesBatch(passes[0][0], None)
        cpu, wall = [], []
        for one_pass in passes:
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            for batch in one_pass:
                servicer.CalculateChargesBatch(batch, None)
            cpu.append(time.process_time() - cpu_start)
            wall.append(time.perf_counter() - wall_start)
    finally:
        service.close()
    return min(cpu), min(wall)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=4000, help="parcels per pass")
    parser.add_argument("--singles", type=int, default=1000, help="single quotes timed")
    parser.add_argument("--requests", type=Path, help="keep/reuse the generated manifest here")
    parser.add_argument("--rules", type=Path, help="rule pack directory (default: settings)")
    args = parser.parse_args(argv)
    base = Settings.from_env()
    settings = dataclasses.replace(
        base,
        rules_dir=args.rules or base.rules_dir,
        data_dir=resolve_data_dir(base.data_dir),
        grace_seconds=0.5,
    )
    messages = _manifest(args.requests, args.parcels * PASSES)
    per_pass = len(messages) // PASSES
    passes = [
        [
            valuation_pb2.CalculateChargesBatchRequest(requests=messages[i : i + BATCH])
            for i in range(start, start + per_pass, BATCH)
        ]
        for start in range(0, per_pass * PASSES, per_pass)
    ]
    cpu, wall = _in_process(settings, passes)

    served: ClearwayService[Any] = ValuationService(
        settings, Telemetry(ValuationService.name, settings)
    )
    host = ServiceHost(served, settings, port=0)
    port = host.start(settle=True)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = valuation_pb2_grpc.ValuationServiceStub(channel)
        stub.CalculateChargesBatch(passes[-1][0])
        started = time.perf_counter()
        for batch in passes[1]:
            stub.CalculateChargesBatch(batch)
        grpc_rate = per_pass / (time.perf_counter() - started)
        latencies = []
        for number, message in enumerate(messages[: args.singles + 100]):
            quote = _quote(message)
            begun = time.perf_counter()
            with contextlib.suppress(grpc.RpcError):  # a refusal still took its round trip
                stub.QuoteLandedCost(quote)
            if number >= 100:
                latencies.append((time.perf_counter() - begun) * 1000)
    finally:
        channel.close()
        host.stop(grace=0)
    latencies.sort()
    print(
        json.dumps(
            {
                "in_process_batch_per_cpu_s": round(per_pass / cpu),
                "in_process_batch_per_wall_s": round(per_pass / wall),
                "grpc_batch_per_wall_s": round(grpc_rate),
                "quote_p50_ms": round(latencies[len(latencies) // 2], 2),
                "quote_p99_ms": round(latencies[int(len(latencies) * 0.99)], 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
