"""Helpers for rules-engine tests: pack directories written per test under tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clearway.rules import RulesEngine

PackWriter = Callable[[str, str], Path]
EngineFactory = Callable[..., RulesEngine]
PackYaml = Callable[..., str]


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    return directory


@pytest.fixture
def write_pack(pack_dir: Path) -> PackWriter:
    """Write `text` (dedented YAML) to `relative` under the pack directory."""

    def write(relative: str, text: str) -> Path:
        path = pack_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_engine(pack_dir: Path) -> Iterator[EngineFactory]:
    """Build engines over the pack directory (no reload thread unless asked); closed after."""
    engines: list[RulesEngine] = []

    def make(**options: object) -> RulesEngine:
        options.setdefault("reload_interval", None)
        engine = RulesEngine(pack_dir, **options)  # type: ignore[arg-type]
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def _pack_yaml(
    rules: str,
    *,
    pack_id: str = "test-pack",
    domain: str = "risk",
    jurisdiction: str = "EU",
    effective_from: str = "2020-01-01",
    effective_to: str | None = None,
    parameters: str = "",
    cases: str = "",
) -> str:
    """A pack document around `rules` (YAML list items, already indented by 2)."""
    lines = [
        "pack:",
        f"  id: {pack_id}",
        f"  domain: {domain}",
        f'  jurisdiction: "{jurisdiction}"',
        '  version: "1"',
        f"  effective_from: {effective_from}",
    ]
    if effective_to:
        lines.append(f"  effective_to: {effective_to}")
    lines.append("  title: A test pack")
    if parameters:
        lines.append("parameters:")
        lines.append(textwrap.indent(textwrap.dedent(parameters).strip("\n"), "  "))
    lines.append("rules:")
    lines.append(textwrap.indent(textwrap.dedent(rules).strip("\n"), "  "))
    if cases:
        lines.append("cases:")
        lines.append(textwrap.indent(textwrap.dedent(cases).strip("\n"), "  "))
    return "\n".join(lines) + "\n"


@pytest.fixture
def pack_yaml() -> PackYaml:
    """Build a pack document around a YAML list of rules (see _pack_yaml)."""
    return _pack_yaml
