"""Risk service start-up and assessment latency: `python -m clearway.risk.assessment_bench`.

Starts `clearway serve risk` as its own process on a loopback port (lists, rules and the history
database of CLEARWAY_DB, by default a SQLite file in a temporary state directory), reports the
seconds until it is SERVING, then the batch rate and the p99 of single AssessRisk calls over
gRPC on declarations of the benchmark manifest (fresh ids, so every call records history). The
same figures as `clearway bench` reports for the risk service, without the rest of the suite.

`--history-rows 300,20000` instead times the history alone, in this process: per parcel, one
StoredHistory.observe (record it, then every read the rules need) for a seller that already has
that many parcels over 30 days, with the repo's risk packs' caps, on a SQLite file (or
`--database URL`), and the ratio of the largest to the smallest; the reads are bounded, so the
ratio stays small where it grew with the seller's volume.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from clearway.benchmark.manifest import generate
from clearway.benchmark.services import measure_over_grpc, workloads
from clearway.benchmark.suite import HOST, free_port
from clearway.cli import stop_suite, wait_until_serving
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.generator import listed_names
from clearway.risk.domain import DOMAIN, count_caps
from clearway.risk.history import CountCaps, HistoryEntry, HistoryQuery
from clearway.rules import RulesEngine
from clearway.runtime.settings import Settings
from clearway.store.risk_history import StoredHistory

BENCH_DAY = date(2026, 3, 2)
SELLER = "marketplace-seller"


def _parcel(name: str, days_back: int) -> HistoryEntry:
    """A parcel of the one seller to a consignee and address of its own."""
    on = BENCH_DAY - timedelta(days=days_back)
    return HistoryEntry("bench", name, on, Decimal("20"), "EUR", name, name, SELLER)


def time_history(url: str, rows: int, caps: CountCaps, probes: int) -> float:
    """Milliseconds per parcel observed with `rows` earlier parcels of the same seller."""
    history = StoredHistory.open(url)
    try:
        history.record([_parcel(f"seed-{n}", n % 30) for n in range(rows)])
        started = time.perf_counter()
        for n in range(probes):
            history.observe([HistoryQuery(_parcel(f"probe-{rows}-{n}", 0), 30, 1, 365, caps)])
        return (time.perf_counter() - started) / probes * 1000
    finally:
        history.close()


def history_main(sizes: Sequence[int], database: str | None, probes: int) -> int:
    with RulesEngine(Settings.from_env(os.environ).rules_dir, reload_interval=None) as engine:
        caps = count_caps(engine.parameters(DOMAIN, ("DE", "EU"), BENCH_DAY))
    timings: list[float] = []
    for rows in sizes:
        with tempfile.TemporaryDirectory() as state:
            url = database or f"sqlite:///{state}/history.db"
            timings.append(time_history(url, rows, caps, probes))
        print(f"{rows:>9,} parcels of one seller: {timings[-1]:.3f} ms per parcel observed")
    print(f"ratio {timings[-1] / timings[0]:.1f} ({sizes[-1]:,} / {sizes[0]:,} parcels)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=2000, help="manifest size")
    parser.add_argument("--singles", type=int, default=1000, help="single calls timed for p99")
    parser.add_argument("--seconds", type=float, default=10.0, help="at most, for the batches")
    parser.add_argument(
        "--history-rows",
        help="comma-separated seller volumes: time the history alone instead (e.g. 300,20000)",
    )
    parser.add_argument(
        "--database", help="with --history-rows: an empty database URL (default: a SQLite file)"
    )
    parser.add_argument("--probes", type=int, default=200, help="with --history-rows: parcels")
    args = parser.parse_args(argv)
    if args.history_rows:
        sizes = [int(size) for size in args.history_rows.split(",")]
        return history_main(sizes, args.database, args.probes)
    declarations = generate(args.declarations, listed_names(load_sanctions(resolve_data_dir(None))))
    (risk,) = [w for w in workloads(declarations) if w.service == "risk"]
    port = free_port()
    with tempfile.TemporaryDirectory() as state:
        env = {**os.environ, "CLEARWAY_RISK_PORT": str(port), "CLEARWAY_STATE_DIR": state}
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "clearway.cli", "serve", "risk"], env=env)
        try:
            wait_until_serving(f"{HOST}:{port}", started + 120)
            print(f"risk service SERVING {time.monotonic() - started:.2f} s after its start")
            figures = measure_over_grpc(risk, f"{HOST}:{port}", args.seconds, args.singles)
        finally:
            stop_suite([process])
    print(
        f"batches of 100: {figures['grpc_risk_assessments_per_s']:,.0f} assessments/s;"
        f" single AssessRisk p99 {figures['grpc_p99_ms']:.2f} ms over {args.singles} calls"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
