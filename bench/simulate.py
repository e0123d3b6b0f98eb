"""`python bench/simulate.py [--parcels N]`: the policy simulation, before and after its sharing.

Generates N parcels (seed 1), copies rules/ twice with the UK low-value threshold lowered from
GBP 135 to GBP 50 in the second copy, then replays the parcels under both in one run: first
with every scenario computing everything and nothing remembered ("before"), then as
`clearway simulate` does ("after"). Prints CPU and wall time of each and the projection to
1,000,000 parcels; see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting import simulation
from clearway.reporting.generator import ManifestGenerator, catalogue, listed_names, to_declaration
from clearway.runtime.settings import Settings
from clearway.v1.common_pb2 import Declaration

RULES = Path(__file__).resolve().parents[1] / "rules"
UK_PACK = Path("valuation") / "gb-2021-01-01.yaml"


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


def replay(
    specs: list[simulation.ScenarioSpec], parcels: list[Declaration], *, share: bool
) -> float:
    """CPU seconds of one replay (the domains are loaded before the clock starts)."""
    with simulation.Simulator(specs, Settings.from_env(), share=share) as simulator:
        wall, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _ in simulator.run(parcels))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    label = "after " if share else "before"
    print(
        f"{label}: {count} parcel-scenarios, CPU {cpu:.1f} s, wall {wall:.1f} s,"
        f" {cpu / len(parcels) * 1000:.2f} ms CPU per parcel (load {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    args = parser.parse_args()
    data = resolve_data_dir(None)
    generator = ManifestGenerator(
        args.parcels, 1, catalogue(data), listed_names(load_sanctions(data))
    )
    parcels = [to_declaration(p.document) for p in generator]
    with tempfile.TemporaryDirectory() as root:
        specs = simulation.scenarios(pack_sets(Path(root)), [])
        before = replay(specs, parcels, share=False)
        after = replay(specs, parcels, share=True)
    million = after / args.parcels * 1_000_000
    print(f"before / after: {before / after:.2f}x less CPU")
    print(f"projected for 1,000,000 parcels: {million / 60:.0f} minutes of one core (not measured)")


if __name__ == "__main__":
    main()
