"""bench/instructions.py counts the instructions of the measured declarations only, under
callgrind (valgrind is on every machine of this project), and counts them per declaration."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench"


def _per_declaration(count: int) -> int:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "instructions.py"),
            "reader",
            f"--declarations={count}",
            "--warmup=0",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    found = re.fullmatch(r"reader: ([\d,]+) instructions a declaration .*\n", result.stdout)
    assert found, result.stdout + result.stderr
    return int(found[1].replace(",", ""))


def test_the_count_is_of_the_measured_declarations_alone() -> None:
    """Reading a declaration costs some hundred thousand instructions; loading the manifest
    and the interpreter, uncounted, costs billions, so a count that included them would not
    stay put per declaration when the manifest doubles."""
    few, more = _per_declaration(20), _per_declaration(40)
    assert 50_000 < few < 2_000_000
    assert abs(more - few) / few < 0.25
