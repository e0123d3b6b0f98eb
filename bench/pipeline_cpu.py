"""CPU per declaration of every process of the real suite while it clears one manifest stream.

Run: .venv/bin/python bench/pipeline_cpu.py [--declarations 20000] [--database URL]

Starts the five processes on loopback (as `clearway bench` does, one replica each, SQLite in a
scratch directory unless --database names another store), streams a warm-up manifest, then
the measured one, and reads each process's user + system CPU from /proc before and after
(children included). Where bench/service_cpu.py times each domain in-process, this shows
what the whole topology spends, transport and serialization included, and so which process
bounds the throughput on two cores: the sum is the CPU a declaration costs the machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from clearway.benchmark import measure
from clearway.benchmark.manifest import generate
from clearway.benchmark.suite import REAL, Orchestrator, Suite
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.generator import listed_names


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=20000, help="manifest measured")
    parser.add_argument("--warmup", type=int, default=2000, help="manifest streamed first")
    parser.add_argument("--database", help="the orchestrator's store (default: scratch SQLite)")
    args = parser.parse_args(argv)
    names = listed_names(load_sanctions(resolve_data_dir(None)))
    with tempfile.TemporaryDirectory(prefix="clearway-pipeline-cpu-") as scratch:
        work = Path(scratch)
        database = args.database or f"sqlite:///{work / 'pipeline.db'}"
        with Suite(REAL, 1, (Orchestrator("clearance", REAL, 1, database),), work) as suite:
            target = suite.address_of("clearance")
            measure.stream_manifest(target, generate(args.warmup, names, prefix="WARM"))
            declarations = generate(args.declarations, names, prefix="CPU")
            before = suite.cpu_seconds()
            client_before = time.process_time()
            result = measure.stream_manifest(target, declarations)
            client = time.process_time() - client_before
            after = suite.cpu_seconds()
    count = len(declarations)
    print(f"{result.per_second:,.0f} declarations/s through the stream ({count:,} declarations)")
    print(f"{'process':<16}{'CPU µs/declaration':>20}")
    spent = {name: (after[name] - before[name]) / count * 1e6 for name in before}
    for name, micros in spent.items():
        print(f"{name:<16}{micros:>20,.0f}")
    print(f"{'suite total':<16}{sum(spent.values()):>20,.0f}")
    print(f"{'(client)':<16}{client / count * 1e6:>20,.0f}")


if __name__ == "__main__":
    main()
