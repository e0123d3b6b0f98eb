"""Instructions per declaration of one part of the suite, counted by callgrind: a figure the
machine's load does not move, for before/after comparisons of a change to the hot path.

Run: .venv/bin/python bench/instructions.py risk [--declarations 300] [--warmup 3000]

The part (a domain service's batch RPC in process as bench/service_cpu.py calls it, `reader`
for DeclarationReader alone, or `flow` for the orchestrator's ClearanceFlow over the floor's
services on SQLite as bench/flow_speed.py runs it) is loaded and warmed up under valgrind
with instrumentation off (a few times slower than native, not fifty), then counted over the
measured declarations only: this script starts itself under `valgrind --tool=callgrind
--instr-atstart=no` and switches instrumentation on and off with callgrind_control around
the measured calls. PYTHONHASHSEED is fixed, so two runs of one tree count the same to a few
parts in a million; run the script of each tree (PYTHONPATH=<tree>/services) to compare
trees. Seconds on these shared machines drift by a quarter within an hour; instructions do
not, though they do not see cache misses, so confirm a large change in seconds too.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import flow_speed
import service_cpu

from clearway.benchmark.manifest import generate
from clearway.benchmark.services import load_in_process
from clearway.orchestrator.flow import ClearanceFlow
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.generator import listed_names
from clearway.rules import RulesEngine
from clearway.runtime.settings import Settings
from clearway.store import open_store
from clearway.v1 import common_pb2

PARTS = ("reader", "classification", "valuation", "risk", "origin", "flow")
CHUNK = 100


def _workload(part: str, count: int, warmup: int, state: Path) -> Callable[[], object]:
    """Load `part`, run the warm-up manifest (another seed), and return the measured run."""
    names = listed_names(load_sanctions(resolve_data_dir(None)))
    measured = generate(count, names, seed=2026)
    warm = generate(warmup, names, seed=2027, prefix="WARM")
    settings = dataclasses.replace(
        Settings.from_env(),
        state_dir=state,
        database_url=f"sqlite:///{state / 'clearway.db'}",
        rules_reload_seconds=3600.0,
    )
    if part == "reader":
        return service_cpu.reader_calls(measured)
    if part == "flow":
        engine = RulesEngine(settings.rules_dir, reload_interval=None)
        flow = ClearanceFlow(
            flow_speed.in_process_clients(),
            open_store(settings.database_url),
            engine,
            call_timeout=600.0,
        )

        def clear(declarations: Sequence[common_pb2.Declaration]) -> None:
            for start in range(0, len(declarations), CHUNK):
                flow.clear("bench", declarations[start : start + CHUNK])

        clear(warm)
        return lambda: clear(measured)
    _service, handlers = load_in_process(part, settings)  # kept loaded until the process ends
    return service_cpu.warmed_batches(part, handlers, warm, measured)


def _wait_for(path: Path, process: subprocess.Popen[bytes] | None = None) -> None:
    while not path.exists():
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the counted process ended early (exit {process.returncode})")
        time.sleep(0.2)


def _child(part: str, count: int, warmup: int, handshake: Path) -> None:
    """Under valgrind: load and warm up, say so, run the measured calls when told, say so."""
    run = _workload(part, count, warmup, handshake)
    (handshake / "ready").touch()
    _wait_for(handshake / "go")
    run()
    (handshake / "done").touch()
    _wait_for(handshake / "stop")


def _counted(output: Path) -> int:
    """The instructions of every dump callgrind wrote (each holds the counts since the last)."""
    total = 0
    for dump in output.parent.glob(output.name + "*"):
        for line in dump.read_text(errors="replace").splitlines():
            if line.startswith("totals:"):
                total += int(line.split()[1])
                break
    return total


def _control(pid: int, *arguments: str) -> None:
    subprocess.run(
        ["callgrind_control", *arguments, str(pid)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=PARTS)
    parser.add_argument("--declarations", type=int, default=300, help="measured manifest")
    parser.add_argument("--warmup", type=int, default=3000, help="manifest run first, uncounted")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        _child(args.part, args.declarations, args.warmup, args.child)
        return
    with tempfile.TemporaryDirectory(prefix="clearway-instructions-") as scratch:
        handshake = Path(scratch)
        output = handshake / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={output}",
            sys.executable,
            __file__,
            args.part,
            f"--declarations={args.declarations}",
            f"--warmup={args.warmup}",
            f"--child={handshake}",
        ]
        environment = {**os.environ, "PYTHONHASHSEED": "0"}
        with (handshake / "valgrind.log").open("wb") as log:
            process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
            try:
                _wait_for(handshake / "ready", process)
                _control(process.pid, "--instr=on")
                (handshake / "go").touch()
                _wait_for(handshake / "done", process)
                _control(process.pid, "--instr=off")
                _control(process.pid, "--dump")
            finally:
                (handshake / "stop").touch()
                process.wait(timeout=120)
        instructions = _counted(output)
    print(
        f"{args.part}: {instructions / args.declarations:,.0f} instructions a declaration"
        f" ({args.declarations:,} declarations after {args.warmup:,})"
    )


if __name__ == "__main__":
    main()
