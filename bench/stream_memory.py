"""Is the orchestrator's memory flat over a long manifest stream? (issue 7: 500,000 parcels)

Starts the floor's four fake services and the REAL orchestrator (ClearanceFlow and its
SQLite store, or with --store null a store that keeps nothing) as separate processes on
loopback, streams N generated parcels through one SubmitManifest stream, and samples the
orchestrator's resident memory as it goes. The fake services make it run in minutes; the
orchestrator's own work (validate, batch, decide, store) is all there.

    python bench/stream_memory.py [--count 500000] [--chunk 100] [--store sqlite|null]

Prints RSS after start-up, after the warm-up (the first tenth), at its peak and at the end,
and the slope over the rest: MiB per 100,000 parcels (flat is about 0).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc

from clearway.benchmark.manifest import generate
from clearway.benchmark.measure import PARTNER
from clearway.benchmark.suite import FLOOR, FLOOR_FLOW, REAL, Orchestrator, Suite, resident_kib
from clearway.manifest import manifest_requests
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.generator import listed_names
from clearway.v1 import clearance_pb2_grpc, common_pb2

POOL = 2000
"""Distinct generated parcels; the stream repeats them under fresh ids (generating 500,000
would cost the client more than the orchestrator spends on them)."""
SAMPLE_SECONDS = 0.5


@dataclass(frozen=True)
class Sample:
    answered: int
    rss_mib: float


def parcels(pool: Sequence[common_pb2.Declaration], count: int) -> Iterator[common_pb2.Declaration]:
    for number in range(count):
        parcel = common_pb2.Declaration()
        parcel.CopyFrom(pool[number % len(pool)])
        parcel.declaration_id = f"MEM-{number:07d}"
        yield parcel


def slope_per_100k(samples: Sequence[Sample]) -> float:
    """Least-squares growth of RSS, MiB per 100,000 parcels answered."""
    if len(samples) < 2:
        return 0.0
    mean_x = sum(s.answered for s in samples) / len(samples)
    mean_y = sum(s.rss_mib for s in samples) / len(samples)
    spread = sum((s.answered - mean_x) ** 2 for s in samples)
    if spread == 0:
        return 0.0
    covariance = sum((s.answered - mean_x) * (s.rss_mib - mean_y) for s in samples)
    return covariance / spread * 100_000


def stream(
    target: str, count: int, chunk: int, pid: int, pool: Sequence[common_pb2.Declaration]
) -> list[Sample]:
    """One SubmitManifest stream of `count` parcels; RSS sampled every SAMPLE_SECONDS."""
    answered = 0
    samples: list[Sample] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            samples.append(Sample(answered, resident_kib(pid) / 1024))

    sampler = threading.Thread(target=sample, daemon=True)
    with grpc.insecure_channel(target) as channel:
        stub = clearance_pb2_grpc.ClearanceServiceStub(channel)
        sampler.start()
        try:
            for response in stub.SubmitManifest(
                manifest_requests(parcels(pool, count), chunk),
                metadata=[("x-clearway-partner", PARTNER)],
            ):
                answered += len(response.results)
        finally:
            done.set()
            sampler.join()
    samples.append(Sample(answered, resident_kib(pid) / 1024))
    if answered != count:
        raise RuntimeError(f"{answered} results for {count} parcels")
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500_000, help="parcels in the stream")
    parser.add_argument("--chunk", type=int, default=100, help="parcels per stream message")
    parser.add_argument("--store", choices=("sqlite", "null"), default="sqlite")
    args = parser.parse_args(argv)
    names = listed_names(load_sanctions(resolve_data_dir(None)))
    pool = generate(min(POOL, args.count), names, prefix="MEM")
    with tempfile.TemporaryDirectory(prefix="stream-memory-") as work:
        module = REAL if args.store == "sqlite" else FLOOR_FLOW
        orchestrator = Orchestrator("clearance", module, 1, f"sqlite:///{work}/memory.db")
        with Suite(FLOOR, 1, (orchestrator,), Path(work)) as suite:
            process = next(p for p in suite.processes if p.name == "clearance")
            at_start = resident_kib(process.process.pid) / 1024
            started = time.monotonic()
            samples = stream(process.address, args.count, args.chunk, process.process.pid, pool)
            elapsed = time.monotonic() - started
    steady = [s for s in samples if s.answered >= args.count // 10]
    after_warmup = steady[0].rss_mib if steady else samples[-1].rss_mib
    print(
        f"{args.count:,} parcels in {elapsed:.0f}s ({args.count / elapsed:,.0f}/s), "
        f"{args.store} store, chunks of {args.chunk}, {len(samples)} samples\n"
        f"orchestrator RSS: start {at_start:.1f} MiB, after warm-up {after_warmup:.1f} MiB, "
        f"peak {max(s.rss_mib for s in samples):.1f} MiB, end {samples[-1].rss_mib:.1f} MiB\n"
        f"slope after warm-up: {slope_per_100k(steady):+.2f} MiB per 100,000 parcels"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
