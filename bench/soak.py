"""Soak: the overload test of tests/reliability held for as long as you like (CI holds 60 s).

    python bench/soak.py --seconds 1800

Runs tests/reliability/test_overload.py with CLEARWAY_OVERLOAD_SECONDS set: the suite as
separate processes, its nominal rate measured, then twice that rate offered for the whole
run, with the test's own checks — refusals are RESOURCE_EXHAUSTED and nothing else, the
orchestrator's resident memory grows less than the test's bound between the warm-up mark and
the end (over a long run this is the check that matters), a normal submit succeeds at once
after the load, and the store holds exactly the acknowledged parcels. Prints the test's
measurements (rates, codes, latencies, memory) and exits with pytest's status.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEST = (
    "tests/reliability/test_overload.py"
    "::test_twice_the_nominal_rate_is_refused_not_queued_and_the_suite_recovers"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1800.0, help="how long to hold the load")
    args = parser.parse_args(argv)
    if args.seconds < 30:
        parser.error("--seconds: at least 30 (the memory check starts after a warm-up)")
    env = {**os.environ, "CLEARWAY_OVERLOAD_SECONDS": str(args.seconds)}
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", TEST]
    return subprocess.call(command, cwd=REPO, env=env)


if __name__ == "__main__":
    sys.exit(main())
