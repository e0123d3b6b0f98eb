"""The container build: lint-clean, multi-stage, non-root, and copying only paths that exist.

No container engine runs here, so the image itself is not built; these are the checks that can be
made without one.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from k8s_render import K8S, REPO_ROOT, tool

DOCKERFILES = (REPO_ROOT / "Dockerfile", K8S / "reference-data" / "Dockerfile")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(path: Path) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append(Instruction(keyword.upper(), arguments.strip()))
    return found


def stages(path: Path) -> list[list[Instruction]]:
    """Instructions grouped by FROM."""
    grouped: list[list[Instruction]] = []
    for instruction in instructions(path):
        if instruction.keyword == "FROM":
            grouped.append([])
        if grouped:
            grouped[-1].append(instruction)
    return grouped


def dockerignored(relative: str) -> bool:
    """.dockerignore semantics for these patterns: last match wins, a parent's match counts."""
    patterns = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    path = PurePosixPath(relative)
    candidates = [path, *path.parents[:-1]]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.lstrip("!").rstrip("/").replace("**/", "*").replace("**", "*")
        if any(fnmatch.fnmatch(str(candidate), glob) for candidate in candidates):
            ignored = not negated
    return ignored


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_hadolint_is_clean(dockerfile: Path) -> None:
    result = subprocess.run(
        [str(tool("hadolint")), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_multi_stage_and_runs_as_non_root() -> None:
    built = stages(REPO_ROOT / "Dockerfile")
    assert len(built) >= 2, "a build stage and a slim runtime stage"
    runtime = built[-1]
    (user,) = [i.arguments for i in runtime if i.keyword == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric non-root USER, so runAsNonRoot can verify"
    (entrypoint,) = [i.arguments for i in runtime if i.keyword == "ENTRYPOINT"]
    assert entrypoint == '["clearway"]'
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "clearway" in pyproject["project"]["scripts"]
    assert not any(i.keyword == "RUN" and "pip install" in i.arguments for i in runtime), (
        "installs happen in the build stage"
    )


def test_python_matches_the_project() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    minimum = pyproject["project"]["requires-python"].removeprefix(">=")
    for stage in stages(REPO_ROOT / "Dockerfile"):
        image = stage[0].arguments.split()[0]
        assert image.startswith(f"python:{minimum}-"), image


def test_every_copied_path_exists_and_reaches_the_build_context() -> None:
    copies = [
        i.arguments.split()
        for i in instructions(REPO_ROOT / "Dockerfile")
        if i.keyword in {"COPY", "ADD"}
    ]
    checked = 0
    for words in copies:
        if any(word.startswith("--from=") for word in words):
            continue
        sources = [word for word in words[:-1] if not word.startswith("--")]
        for source in sources:
            assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not dockerignored(source.rstrip("/")), f"COPY {source}: .dockerignore drops it"
            checked += 1
    assert checked >= 4


def test_rules_and_stubs_are_inside_the_image() -> None:
    runtime = stages(REPO_ROOT / "Dockerfile")[-1]
    env = " ".join(i.arguments for i in runtime if i.keyword == "ENV")
    (rules_dir,) = re.findall(r"CLEARWAY_RULES_DIR=(\S+)", env)
    copied = [i.arguments.split() for i in runtime if i.keyword == "COPY"]
    assert ["rules/", f"{rules_dir}/"] in copied, "the rule packs are baked in"
    build = instructions(REPO_ROOT / "Dockerfile")
    assert any(i.keyword == "COPY" and i.arguments.startswith("services/") for i in build)
    assert (REPO_ROOT / "services" / "clearway" / "v1").is_dir(), "generated stubs are committed"


def test_dockerignore_keeps_local_state_out() -> None:
    for noise in (".venv/bin/python", ".git/HEAD", "var/clearway.db", "tests/conftest.py"):
        assert dockerignored(noise), noise
    for needed in ("services/clearway/cli.py", "rules/README.md", "pyproject.toml"):
        assert not dockerignored(needed), needed
    assert dockerignored("services/clearway/__pycache__/cli.cpython-311.pyc")
