"""The report has exactly the keys issue 9 names, numbers in every section, and the required
figures are checked."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

from clearway.benchmark.measure import percentile
from clearway.benchmark.report import (
    GOALS,
    REPORT_KEYS,
    REQUIRED,
    SECTIONS,
    build_report,
    git_commit,
    missing_required,
    write_report,
)


def _complete_sections() -> dict[str, dict[str, float]]:
    sections: dict[str, dict[str, float]] = {name: {} for name in SECTIONS}
    for section, key in REQUIRED:
        sections[section][key] = 1.5
    return sections


def test_report_has_exactly_the_issue_keys(tmp_path: Path) -> None:
    report = build_report(_complete_sections(), "abc123", 2)
    path = tmp_path / "bench" / "report.json"
    write_report(report, path)
    loaded = json.loads(path.read_text())
    assert set(loaded) == REPORT_KEYS
    assert set(loaded) == {
        "floor",
        "pipeline",
        "scaling",
        "services",
        "rules_engine",
        "screening",
        "cores",
        "git_commit",
    }
    assert loaded["cores"] == 2
    assert loaded["git_commit"] == "abc123"
    for section in SECTIONS:
        assert isinstance(loaded[section], dict)
        assert all(isinstance(value, float) for value in loaded[section].values())
    assert missing_required(loaded) == []


def test_every_required_figure_is_named_when_missing() -> None:
    report = build_report({"pipeline": {"decl_per_s": 10.0}}, "abc", 1)
    missing = missing_required(report)
    assert "pipeline.decl_per_s" not in missing
    assert "floor.decl_per_s" in missing
    assert "screening.ratio_to_bruteforce" in missing
    assert set(report) == REPORT_KEYS, "absent sections are still present, empty"


def test_git_commit_outside_a_checkout_is_unknown(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == "unknown"


def test_git_commit_is_dirty_for_any_change_but_the_report_it_rewrites(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    git("init", "-q")
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "report.json").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", ".")
    git("commit", "-q", "-m", "start")
    head = git("rev-parse", "HEAD")
    report = tmp_path / "bench" / "report.json"
    report.write_text('{"earlier": "run"}')
    assert git_commit(tmp_path, report) == head
    assert git_commit(tmp_path) == f"{head}-dirty"
    elsewhere = tmp_path.parent / f"{tmp_path.name}-report.json"
    assert git_commit(tmp_path, elsewhere) == f"{head}-dirty", "a report outside the checkout"
    (tmp_path / "code.py").write_text("x = 2\n")
    assert git_commit(tmp_path, report) == f"{head}-dirty"


def test_percentile_is_nearest_rank() -> None:
    samples = [float(n) for n in range(100, 0, -1)]
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile(samples, 1.0) == 100.0
    assert math.isnan(percentile([], 0.5))


def test_the_scaling_goal_is_judged_only_where_the_cores_allow_it() -> None:
    """1.6x the one-replica throughput needs 1.6x the cores that run kept busy."""
    (scaling,) = [goal for goal in GOALS if goal.key == "speedup_2x"]

    def verdict(cores: int, speedup: float) -> str:
        sections = {"scaling": {"speedup_2x": speedup, "busy_cores_1x": 1.7}}
        return scaling.verdict(build_report(sections, "abc", cores))

    assert verdict(2, 0.9).startswith("not judged: the baseline kept 1.70 of 2 cores busy")
    assert "1.6x needs 2.7" in verdict(2, 0.9)
    assert verdict(4, 0.9) == "NOT MET"
    assert verdict(4, 1.7) == "met"
    unmeasured = build_report({"scaling": {"speedup_2x": 0.9}}, "abc", 2)
    assert scaling.verdict(unmeasured) == "NOT MET", "without the busy cores it is judged"
