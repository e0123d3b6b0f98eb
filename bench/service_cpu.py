"""CPU per declaration of each domain service, in-process, over a generated manifest.

Run: .venv/bin/python bench/service_cpu.py [--declarations 3000] [--services risk,classification]

Each service is loaded in this process (`clearway.benchmark.services.load_in_process`: the real
servicer, proto in and out, no transport) and its batch RPC is called in chunks of 100 over the
benchmark manifest; `reader` is DeclarationReader alone (the decoding every service and the
orchestrator do per declaration). The figure is process CPU time (time.process_time) divided by
the declarations, so a busy neighbour on a shared machine slows it less than wall time would.
A warm-up manifest of another seed runs first, so caches hold what a running service holds
after a while, not the answers of the manifest measured; then the heap is settled as `clearway
serve` settles it (runtime.server.settle_heap), so full collections over the loaded domain are
not counted where a server would not pay them. To compare two trees, run this twice
with PYTHONPATH pointing at each (alternating) and compare the ratios, never single runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from clearway.benchmark.manifest import generate
from clearway.benchmark.services import BATCH, Workload, load_in_process, workloads
from clearway.declarations.codec import DeclarationReader
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.generator import listed_names
from clearway.runtime.server import settle_heap
from clearway.runtime.settings import Settings
from clearway.v1 import common_pb2

SERVICES = ("reader", "classification", "valuation", "risk", "origin")


class _Context:
    """The little of a ServicerContext the servicers read in-process."""

    def invocation_metadata(self) -> tuple[()]:
        return ()


def _cpu_seconds(run: Callable[[], object], repeat: int) -> float:
    """The least process CPU of `repeat` runs (the least disturbed one)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def _batches(workload: Workload, handler: Callable[..., Any]) -> Callable[[], None]:
    requests, context = workload.requests, _Context()

    def run() -> None:
        for start in range(0, len(requests), BATCH):
            handler(workload.batch(requests[start : start + BATCH]), context)

    return run


def reader_calls(declarations: Sequence[common_pb2.Declaration]) -> Callable[[], None]:
    """DeclarationReader over the declarations, as every service and the orchestrator read."""

    def run() -> None:
        for message in declarations:
            DeclarationReader().declaration(message)

    return run


def warmed_batches(
    name: str,
    handlers: dict[str, Any],
    warmup: Sequence[common_pb2.Declaration],
    measured: Sequence[common_pb2.Declaration],
) -> Callable[[], None]:
    """The batch calls of service `name` over `measured`, once it has answered `warmup` and
    its heap is settled as a serving process's is."""
    (warm,) = [w for w in workloads(warmup) if w.service == name]
    (work,) = [w for w in workloads(measured) if w.service == name]
    _batches(warm, handlers[warm.batch_method])()
    settle_heap()
    return _batches(work, handlers[work.batch_method])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=3000, help="manifest measured")
    parser.add_argument("--warmup", type=int, default=500, help="manifest run first (other seed)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=1, help="runs per service, least CPU kept")
    parser.add_argument("--services", default=",".join(SERVICES), help="comma-separated")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.services.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SERVICES))
    if unknown:
        parser.error(f"unknown services {unknown}; choose from {', '.join(SERVICES)}")
    names = listed_names(load_sanctions(resolve_data_dir(None)))
    measured = generate(args.declarations, names, seed=args.seed)
    warmup = generate(args.warmup, names, seed=args.seed + 1, prefix="WARM")
    with tempfile.TemporaryDirectory() as state:
        settings = dataclasses.replace(
            Settings.from_env(),
            state_dir=Path(state),
            database_url=f"sqlite:///{Path(state) / 'clearway.db'}",
            rules_reload_seconds=3600.0,  # no reload thread waking during the run
        )
        print(f"{'service':<16}{'CPU µs/declaration':>20}")
        for name in chosen:
            if name == "reader":
                reader_calls(warmup)()
                seconds = _cpu_seconds(reader_calls(measured), args.repeat)
            else:
                service, handlers = load_in_process(name, settings)
                try:
                    run = warmed_batches(name, handlers, warmup, measured)
                    seconds = _cpu_seconds(run, args.repeat)
                finally:
                    service.close()
                    del service, handlers
                    gc.unfreeze()
                    gc.collect()  # the next service must not pay for this one's garbage
            print(f"{name:<16}{seconds / len(measured) * 1e6:>20,.1f}", flush=True)


if __name__ == "__main__":
    main()
