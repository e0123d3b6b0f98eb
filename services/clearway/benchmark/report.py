"""The report: `bench/report.json` (exactly the keys issue 9 names) and a table with the goals."""

from __future__ import annotations

import json
import math
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

SECTIONS = ("floor", "pipeline", "scaling", "services", "rules_engine", "screening")
REPORT_KEYS = frozenset({*SECTIONS, "cores", "git_commit"})
REQUIRED = (
    ("floor", "decl_per_s"),
    ("pipeline", "decl_per_s"),
    ("pipeline", "ratio_to_floor"),
    ("pipeline", "p50_ms"),
    ("pipeline", "p99_ms"),
    ("scaling", "speedup_2x"),
    ("rules_engine", "ratio_to_zen"),
    ("screening", "ratio_to_bruteforce"),
)


@dataclass(frozen=True)
class Goal:
    section: str
    key: str
    text: str
    at_least: float | None = None
    at_most: float | None = None
    busy_cores_key: str | None = None
    """For a speed-up: the section's figure of the cores the baseline run kept busy. Reaching
    `at_least` times the baseline needs that many times its cores; on a machine with fewer the
    goal is not judged (the issue asks for it "where cores allow") and the table says why."""

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        return self.at_most is None or value <= self.at_most

    def verdict(self, report: Mapping[str, Any]) -> str:
        """ "met", "NOT MET", or why the machine cannot judge it."""
        if self.busy_cores_key is not None and self.at_least is not None:
            busy = report[self.section].get(self.busy_cores_key, math.nan)
            needed = self.at_least * busy
            if not math.isnan(busy) and report["cores"] < needed:
                return (
                    f"not judged: the baseline kept {busy:.2f} of {report['cores']} cores busy,"
                    f" {self.at_least:g}x needs {needed:.1f}"
                )
        return "met" if self.met(report[self.section].get(self.key, math.nan)) else "NOT MET"


GOALS = (
    Goal("pipeline", "ratio_to_floor", "pipeline ≥ 50% of the floor", at_least=0.5),
    Goal("pipeline", "decl_per_s_sqlite", "≥ 2,000 declarations/s with SQLite", at_least=2000),
    Goal("pipeline", "p50_ms", "single submit p50 ≤ 5 ms", at_most=5),
    Goal("pipeline", "p99_ms", "single submit p99 ≤ 20 ms", at_most=20),
    Goal(
        "scaling",
        "speedup_2x",
        "two processes per service ≥ 1.6x one",
        at_least=1.6,
        busy_cores_key="busy_cores_1x",
    ),
    Goal("rules_engine", "ratio_to_zen", "rules within 3x of zen-engine", at_most=3),
    Goal("screening", "ratio_to_bruteforce", "screening ≥ 20x brute force", at_least=20),
    Goal("screening", "same_verdict_share", "screening and brute force agree", at_least=1.0),
)


def git_commit(directory: Path, report: Path | None = None) -> str:
    """HEAD of the checkout the run measured, '-dirty' when it has uncommitted changes other
    than `report` (the file the run rewrites: the previous run's figures are not code)."""
    inside = report is not None and report.resolve().is_relative_to(directory.resolve())
    excluded = [f":(exclude){os.path.relpath(report, directory)}"] if report and inside else []
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *excluded],
            cwd=directory,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}-dirty" if status else head


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build_report(
    sections: Mapping[str, Mapping[str, float]], commit: str, core_count: int
) -> dict[str, Any]:
    """The report object; every section present (empty when a part could not run)."""
    report: dict[str, Any] = {
        name: {key: float(value) for key, value in sections.get(name, {}).items()}
        for name in SECTIONS
    }
    report["cores"] = core_count
    report["git_commit"] = commit
    return report


def missing_required(report: Mapping[str, Any]) -> list[str]:
    return [f"{section}.{key}" for section, key in REQUIRED if key not in report[section]]


def write_report(report: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=True, allow_nan=False) + "\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def print_table(report: Mapping[str, Any], out: TextIO) -> None:
    print(f"\nClearway bench — {report['cores']} cores, commit {report['git_commit']}", file=out)
    for section in SECTIONS:
        print(f"\n{section}", file=out)
        for key, value in sorted(report[section].items()):
            print(f"  {key:<44} {_number(value):>12}", file=out)
    print("\ngoals", file=out)
    for goal in GOALS:
        value = report[goal.section].get(goal.key, math.nan)
        print(f"  {goal.text:<44} {_number(value):>12}  {goal.verdict(report)}", file=out)
