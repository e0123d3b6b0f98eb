"""Malformed rule packs and sanctions list files: a clear load error, never a crash.

A service must refuse to start (or keep its loaded packs/lists on reload) rather than serve on
half-read policy or lists, so every generated file either loads or raises the loader's own
error (PackError, ReferenceDataError) naming the file.
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearway.reference.datadir import starter_data_dir
from clearway.reference.errors import ReferenceDataError
from clearway.reference.sanctions import SanctionsLists, load_sanctions
from clearway.rules.engine import load_pack_set
from clearway.rules.errors import PackError
from clearway.rules.loader import parse_pack

REPO = Path(__file__).resolve().parents[2]
PACKS = tuple(sorted((REPO / "rules").glob("*/*.yaml"), key=lambda p: p.stat().st_size)[:12])
SANCTIONS = starter_data_dir() / "sanctions"
FAST = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

junk: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=30),
        st.dates(min_value=datetime.date(1, 1, 1)),
        st.sampled_from(["", "eq", "gte", "fact", "param", "2025-13-40", "{param: x}", "*"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=10), children, max_size=3),
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


@st.composite
def mutated_packs(draw: st.DrawFn) -> tuple[Path, bytes]:
    """A real pack with 1 to 3 structural edits: a key removed, a value replaced by junk."""
    path = draw(st.sampled_from(PACKS))
    document = yaml.safe_load(path.read_bytes())
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(_paths(document)))
        if not target:
            document = draw(junk)
            continue
        parent = document
        for step in target[:-1]:
            parent = parent[step]
        if draw(st.booleans()):
            del parent[target[-1]]
        else:
            parent[target[-1]] = draw(junk)
        if not isinstance(document, dict | list):
            break
    return path, yaml.safe_dump(document, allow_unicode=True).encode("utf-8")


@FAST
@given(mutated_packs())
def test_a_mutated_rule_pack_loads_or_is_a_pack_error(pack: tuple[Path, bytes]) -> None:
    path, content = pack
    try:
        parse_pack(path, content)
    except PackError as error:
        assert str(path) in str(error), "the error names the file"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_packs())
def test_a_mutated_rule_pack_compiles_or_is_a_pack_error(pack: tuple[Path, bytes]) -> None:
    """The whole load: parse, cross-rule checks and durable_rules compilation."""
    path, content = pack
    try:
        load_pack_set(path.parent.parent, [(path, content)])
    except PackError as error:
        assert str(path) in str(error)


def _byte_edit(content: bytes, data: st.DataObject) -> bytes:
    where = data.draw(st.integers(0, len(content)))
    kind = data.draw(st.sampled_from(["truncate", "insert", "delete", "replace_line"]))
    if kind == "truncate":
        return content[:where]
    if kind == "insert":
        return content[:where] + data.draw(st.binary(min_size=1, max_size=40)) + content[where:]
    if kind == "delete":
        return content[:where] + content[where + data.draw(st.integers(1, 200)) :]
    lines = content.split(b"\n")
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.text(max_size=60)).encode("utf-8", errors="surrogatepass")
    return b"\n".join(lines)


@FAST
@given(st.data())
def test_a_corrupted_rule_pack_file_loads_or_is_a_pack_error(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(PACKS))
    try:
        parse_pack(path, _byte_edit(path.read_bytes(), data))
    except PackError as error:
        assert str(path) in str(error)


def _with_sanctions(edit: Callable[[Path], None]) -> SanctionsLists | ReferenceDataError:
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = Path(temporary)
        shutil.copytree(SANCTIONS, data_dir / "sanctions")
        edit(data_dir / "sanctions")
        try:
            return load_sanctions(data_dir)
        except ReferenceDataError as error:
            return error


@FAST
@given(st.data())
def test_a_corrupted_sanctions_list_loads_or_is_a_reference_data_error(
    data: st.DataObject,
) -> None:
    name = data.draw(st.sampled_from(sorted(p.name for p in SANCTIONS.iterdir())))

    def edit(directory: Path) -> None:
        target = directory / name
        if data.draw(st.integers(0, 9)) == 0:
            target.unlink()
        else:
            target.write_bytes(_byte_edit(target.read_bytes(), data))

    outcome = _with_sanctions(edit)
    if isinstance(outcome, ReferenceDataError):
        assert "sanctions" in str(outcome.path), "the error names the file"
    else:
        assert isinstance(outcome, SanctionsLists)


def test_the_untouched_starter_lists_load() -> None:
    assert isinstance(_with_sanctions(lambda _directory: None), SanctionsLists)
