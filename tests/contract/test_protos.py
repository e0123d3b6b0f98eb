"""buf lints the contracts clean, and the committed stubs are exactly what the script makes."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "services" / "clearway" / "v1"


def test_committed_stubs_are_not_stale(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate_stubs.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    fresh = tmp_path / "clearway" / "v1"
    names = sorted(p.name for p in fresh.iterdir())
    assert names == sorted(p.name for p in COMMITTED.iterdir() if p.is_file()), (
        "stub files differ; run: python scripts/generate_stubs.py"
    )
    _, mismatch, errors = filecmp.cmpfiles(fresh, COMMITTED, names, shallow=False)
    assert not mismatch and not errors, (
        f"stale stubs {mismatch + errors}; run: python scripts/generate_stubs.py"
    )


def test_buf_lint_standard_passes(tmp_path: Path) -> None:
    buf = shutil.which("buf", path=str(Path(sys.executable).parent)) or shutil.which("buf")
    if buf is None:
        pytest.fail("buf CLI not installed: install the test extras (pip install -e '.[test]')")
    image = tmp_path / "clearway.binpb"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "generate_stubs.py"),
            "--out",
            str(tmp_path),
            "--image",
            str(image),
        ],
        check=True,
        capture_output=True,
    )
    lint = subprocess.run(
        [buf, "lint", str(image), "--config", str(REPO / "protos" / "buf.yaml")],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
