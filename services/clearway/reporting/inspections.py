"""Recorded inspection outcomes, supplied by the officer as a file until the store keeps them.

JSON Lines (`{"declaration_id": "...", "found": true}`) or CSV with a header holding
`declaration_id` and `found` (true/false, yes/no, 1/0). Every bad line is reported at once.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


class InspectionFileError(ValueError):
    """The inspection results file has lines that cannot be read (all of them listed)."""


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def read_inspection_results(path: Path) -> dict[str, bool]:
    """declaration_id -> whether the inspection found something (a later line wins)."""
    rows: list[tuple[int, object, object]] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"declaration_id", "found"} <= set(reader.fieldnames):
                raise InspectionFileError(f"{path}: the header needs declaration_id and found")
            rows = [
                (number, row.get("declaration_id"), row.get("found"))
                for number, row in enumerate(reader, start=2)
            ]
        else:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    document = json.loads(raw)
                except json.JSONDecodeError as error:
                    problems.append(f"line {number}: {error.msg}")
                    continue
                if not isinstance(document, dict):
                    problems.append(f"line {number}: not a JSON object")
                    continue
                rows.append((number, document.get("declaration_id"), document.get("found")))
    results: dict[str, bool] = {}
    for number, declaration_id, found in rows:
        flag = _flag(found)
        if not isinstance(declaration_id, str) or not declaration_id.strip():
            problems.append(f"line {number}: declaration_id is required")
        elif flag is None:
            problems.append(f"line {number}: found must be true or false, not {found!r}")
        else:
            results[declaration_id.strip()] = flag
    if problems:
        raise InspectionFileError(f"{path}: " + "; ".join(problems[:20]))
    return results
