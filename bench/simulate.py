"""`python bench/simulate.py [--parcels N] [--modes before,after,parallel]`: the policy
simulation, before and after its sharing, in one process and in two.

Writes N generated parcels (seed 1) as a JSONL manifest, copies rules/ twice with the UK
low-value threshold lowered from GBP 135 to GBP 50 in the second copy, then replays the
manifest under both in one run, reading it as `clearway simulate` does, in each mode:

- before: every scenario computes everything, nothing is remembered, one process
  (`Simulator(share=False)`);
- after: shared steps and memories, one process (`clearway simulate --workers 1`);
- parallel: the same in two processes, and the manifest parsed in a third
  (`clearway simulate`, the default `--workers 2`).

Prints CPU (both processes) and wall time of each, the projection to 1,000,000 parcels and
whether every mode's summaries are the same; see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from clearway.manifest import read_manifest
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting import simulation
from clearway.reporting.generator import (
    ManifestGenerator,
    catalogue,
    listed_names,
    write_manifest,
)
from clearway.reporting.measure import Summary
from clearway.runtime.settings import Settings

RULES = Path(__file__).resolve().parents[1] / "rules"
UK_PACK = Path("valuation") / "gb-2021-01-01.yaml"
MODES = ("before", "after", "parallel")


def pack_sets(root: Path) -> list[Path]:
    current, lower = root / "current", root / "lower"
    shutil.copytree(RULES, current)
    shutil.copytree(RULES, lower)
    text = (lower / UK_PACK).read_text()
    old = 'low_value_threshold: "135.00"'
    if old not in text:
        raise SystemExit(f"{UK_PACK} no longer holds {old}")
    (lower / UK_PACK).write_text(text.replace(old, 'low_value_threshold: "50.00"'))
    return [current, lower]


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def replay(
    specs: list[simulation.ScenarioSpec], manifest: Path, parcels: int, mode: str
) -> tuple[float, float, list[Summary]]:
    """CPU and wall seconds of one replay of the manifest, from reading it to the summaries
    (the domains are loaded before the clock starts)."""
    with simulation.Simulator(specs, Settings.from_env(), share=mode != "before") as simulator:
        wall, cpu = time.perf_counter(), _cpu()
        problems: list[str] = []
        if mode == "parallel":
            read = simulation.read_in_background(manifest, problems)
        else:
            read = (d for line in read_manifest(manifest) if (d := line.declaration) is not None)
        summaries = simulator.summarise(read, "EUR", workers=2 if mode == "parallel" else 1)
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    print(
        f"{mode:>8}: CPU {cpu:.1f} s, wall {wall:.1f} s, {wall / parcels * 1000:.3f} ms wall"
        f" and {cpu / parcels * 1000:.3f} ms CPU per parcel (both scenarios),"
        f" load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return cpu, wall, summaries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument(
        "--modes",
        type=lambda text: [m for m in text.split(",") if m],
        default=list(MODES),
        help=f"comma-separated, of {','.join(MODES)} (default all)",
    )
    args = parser.parse_args()
    unknown = set(args.modes) - set(MODES)
    if unknown:
        raise SystemExit(f"unknown modes {', '.join(sorted(unknown))}")
    data = resolve_data_dir(None)
    generator = ManifestGenerator(
        args.parcels, 1, catalogue(data), listed_names(load_sanctions(data))
    )
    with tempfile.TemporaryDirectory() as root:
        manifest = Path(root) / "manifest.jsonl"
        with manifest.open("w", encoding="utf-8") as out:
            write_manifest(iter(generator), out)
        specs = simulation.scenarios(pack_sets(Path(root)), [])
        results = {mode: replay(specs, manifest, args.parcels, mode) for mode in args.modes}
    summaries = [summary for _cpu, _wall, summary in results.values()]
    print(f"every mode's summaries equal: {all(s == summaries[0] for s in summaries)}")
    if "before" in results and "after" in results:
        print(f"before / after: {results['before'][0] / results['after'][0]:.2f}x less CPU")
    if "after" in results and "parallel" in results:
        print(f"after / parallel: {results['after'][1] / results['parallel'][1]:.2f}x less wall")
    best = min(wall for _cpu, wall, _summary in results.values())
    print(
        f"projected for 1,000,000 parcels: {best / args.parcels * 1e6 / 60:.1f} minutes wall"
        " (not measured)"
    )


if __name__ == "__main__":
    main()
