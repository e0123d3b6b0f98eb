"""`clearway screen` through the CLI entry point, on the packaged starter lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearway.cli import main
from clearway.reference.datadir import starter_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.risk.screening import DEFAULT_THRESHOLD


def listed_entity() -> tuple[str, str, str]:
    party = next(p for p in load_sanctions(starter_data_dir()).parties if p.party_type == "entity")
    return party.name, party.list_id, party.entry_id


def run(tmp_path: Path, lines: list[str], *extra: str) -> tuple[int, list[dict[str, object]]]:
    source, target = tmp_path / "names.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status = main(
        [
            "screen",
            "--input",
            str(source),
            "--output",
            str(target),
            "--data-dir",
            str(starter_data_dir()),
            *extra,
        ]
    )
    return status, [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_matches_and_clears_names(tmp_path: Path) -> None:
    name, list_id, entry_id = listed_entity()
    status, rows = run(
        tmp_path,
        [
            json.dumps({"name": name.lower() + " ltd"}),
            json.dumps({"name": "Anna Schmidt", "country": "de"}),
        ],
    )
    assert status == 0
    hit, clear = rows
    assert hit["match"] is True and (hit["list"], hit["entry_id"]) == (list_id, entry_id)
    assert hit["name"] == name.lower() + " ltd" and hit["matched_name"]
    assert DEFAULT_THRESHOLD <= float(hit["score"]) <= 1.0  # type: ignore[arg-type]
    assert clear == {
        "name": "Anna Schmidt",
        "match": False,
        "score": clear["score"],
        "list": None,
        "entry_id": None,
        "matched_name": None,
    }
    assert float(clear["score"]) < DEFAULT_THRESHOLD  # type: ignore[arg-type]


def test_threshold_option(tmp_path: Path) -> None:
    name, _, _ = listed_entity()
    typo = name[:-2] + name[-1] + name[-2]
    _, (default,) = run(tmp_path, [json.dumps({"name": typo})])
    _, (strict,) = run(tmp_path, [json.dumps({"name": typo})], "--threshold", "1")
    assert default["score"] == strict["score"] < 1.0
    assert default["match"] is True and strict["match"] is False


def test_bad_lines_are_named_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, rows = run(
        tmp_path,
        [
            '{"name": ""}',
            '{"name": "Jo", "country": "ZZ"}',
            "not json",
            '["a list"]',
            '{"name": 7}',
            json.dumps({"name": "x" * 300}),
            json.dumps({"name": "Bad\u0007Name"}),
            '{"name": "Anna Schmidt"}',
        ],
    )
    assert status == 2
    assert [row["name"] for row in rows] == ["Anna Schmidt"]
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "error: line 1: name: is required",
        "error: line 2: country: 'ZZ' is not an ISO 3166-1 alpha-2 country code",
        "error: line 3: not valid JSON: Expecting value at column 1",
        'error: line 4: not a JSON object such as {"name": "...", "country": "DE"}',
        "error: line 5: name: must be a string, not int",
        "error: line 6: name: must be at most 256 characters",
        "error: line 7: name: must not contain control characters",
    ]
