"""Classification speed: batch throughput in-process and over gRPC, single-call latency, memory.

Run: .venv/bin/python bench/classification_bench.py [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import time

import grpc

from clearway.classification.domain import ItemDescription
from clearway.classification.service import ClassificationService
from clearway.reference.classification_refs import load_parcel_references
from clearway.reference.datadir import resolve_data_dir
from clearway.runtime.server import ServiceHost
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import classification_pb2, classification_pb2_grpc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    data_dir = resolve_data_dir(args.data_dir)
    settings = dataclasses.replace(Settings.from_env(), data_dir=data_dir, rules_reload_seconds=0)
    service = ClassificationService(settings, Telemetry("classification", settings))
    host = ServiceHost(service, settings, port=0)
    started = time.perf_counter()
    port = host.start()
    print(f"start to SERVING: {time.perf_counter() - started:.2f} s (data {data_dir})")
    texts = [r.text for r in load_parcel_references(data_dir)]
    items = [ItemDescription(t) for t in (texts * (4000 // len(texts) + 1))[:4000]]
    domain = service.domain
    began = time.perf_counter()
    domain.classify_many(items)
    print(f"in-process batch: {len(items) / (time.perf_counter() - began):,.0f} descriptions/s")
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = classification_pb2_grpc.ClassificationServiceStub(channel)
        requests = [classification_pb2.ClassifyRequest(description=i.description) for i in items]
        began = time.perf_counter()
        for start in range(0, len(requests), 500):
            stub.ClassifyBatch(
                classification_pb2.ClassifyBatchRequest(requests=requests[start : start + 500])
            )
        print(f"gRPC ClassifyBatch(500): {len(requests) / (time.perf_counter() - began):,.0f}/s")
        latencies = []
        for request in requests[:2000]:
            began = time.perf_counter()
            stub.Classify(request)
            latencies.append((time.perf_counter() - began) * 1000)
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99)]
        print(f"gRPC Classify: p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {rss:.0f} MiB")
    host.stop(grace=0)


if __name__ == "__main__":
    main()
