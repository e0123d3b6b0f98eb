"""Inspection outcomes: what an officer found when a parcel was opened, kept in the store.

Officers' results arrive as a file (`clearway inspections record FILE`), JSON Lines or CSV with
a header, one inspection a row:

- `declaration_id` (required) and `found` (true/false, yes/no, 1/0; required);
- `partner_id` (optional when the declaration id belongs to one partner only);
- `inspected_at` (ISO 8601 date or time, UTC when no offset; default: when it is recorded);
- `finding_codes` (a JSON list, or codes separated by `;` in CSV) and `note` (optional).

The rows are checked all at once (every bad field is named) and written in one transaction, or
not at all. A parcel inspected twice keeps both rows; the hit rate reads the latest. The same
parser serves `clearway report --inspections FILE`, which weighs a file's results without
recording them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clearway.reporting.reader import Period, period_filter
from clearway.runtime.errors import FieldViolations
from clearway.store.base import DecisionStore
from clearway.store.risk_history import mark_inspections

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
_CHUNK = 500
NOTE_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class InspectionOutcome:
    """One inspection of one declaration; an empty partner or time is filled in on recording."""

    declaration_id: str
    found: bool
    partner_id: str = ""
    inspected_at: datetime | None = None
    finding_codes: tuple[str, ...] = ()
    note: str = ""
    line: int = 0
    """Where it was read from, so a problem found later can name the row."""


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _moment(value: object) -> datetime | None:
    """An ISO 8601 date (midnight UTC) or time (UTC unless it carries an offset)."""
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _codes(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list):
        if not all(isinstance(c, str) for c in value):
            return None
        items: Iterable[str] = value
    elif isinstance(value, str):
        items = value.replace("|", ";").split(";")
    else:
        return None
    return tuple(c.strip() for c in items if c.strip())


def _outcome(
    number: int, row: Mapping[str, Any], violations: FieldViolations
) -> InspectionOutcome | None:
    where = f"line {number}"
    declaration_id = row.get("declaration_id")
    found = _flag(row.get("found"))
    ok = True
    if not isinstance(declaration_id, str) or not declaration_id.strip():
        violations.add(f"{where}.declaration_id", "is required")
        ok = False
    if found is None:
        violations.add(f"{where}.found", f"must be true or false, not {row.get('found')!r}")
        ok = False
    partner = row.get("partner_id") or ""
    if not isinstance(partner, str):
        violations.add(f"{where}.partner_id", "must be text")
        ok = False
    inspected_at: datetime | None = None
    if row.get("inspected_at") not in (None, ""):
        try:
            inspected_at = _moment(row["inspected_at"])
        except ValueError:
            violations.add(f"{where}.inspected_at", "must be an ISO 8601 date or time")
            ok = False
    codes: tuple[str, ...] | None = ()
    if row.get("finding_codes") not in (None, ""):
        codes = _codes(row["finding_codes"])
        if codes is None:
            violations.add(f"{where}.finding_codes", "must be a list of codes")
            ok = False
    note = row.get("note") or ""
    if not isinstance(note, str) or len(note) > NOTE_LIMIT:
        violations.add(f"{where}.note", f"must be text of at most {NOTE_LIMIT} characters")
        ok = False
    if not ok or found is None or not isinstance(declaration_id, str):
        return None
    return InspectionOutcome(
        declaration_id=declaration_id.strip(),
        found=found,
        partner_id=partner.strip() if isinstance(partner, str) else "",
        inspected_at=inspected_at,
        finding_codes=codes or (),
        note=note if isinstance(note, str) else "",
        line=number,
    )


def read_inspection_file(path: Path) -> list[InspectionOutcome]:
    """Every inspection in the file; InvalidArgument naming each bad field when any is bad."""
    violations = FieldViolations()
    rows: list[tuple[int, Mapping[str, Any]]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"declaration_id", "found"} <= set(reader.fieldnames):
                violations.add("line 1", "the header needs declaration_id and found")
                raise violations.error(f"{path}: unusable inspection results")
            rows = list(enumerate(reader, start=2))
        else:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    document = json.loads(raw)
                except json.JSONDecodeError as error:
                    violations.add(f"line {number}", f"not JSON: {error.msg}")
                    continue
                if not isinstance(document, dict):
                    violations.add(f"line {number}", "not a JSON object")
                    continue
                rows.append((number, document))
    outcomes = [o for number, row in rows if (o := _outcome(number, row, violations))]
    if violations:
        raise violations.error(f"{path}: unusable inspection results")
    return outcomes


def latest_results(outcomes: Iterable[InspectionOutcome]) -> dict[str, bool]:
    """declaration_id -> whether its latest inspection found something (undated: file order)."""
    ordered = sorted(
        enumerate(outcomes),
        key=lambda pair: (pair[1].inspected_at or datetime.max.replace(tzinfo=UTC), pair[0]),
    )
    return {outcome.declaration_id: outcome.found for _index, outcome in ordered}


def read_inspection_results(path: Path) -> dict[str, bool]:
    """declaration_id -> found, from a results file (without recording it)."""
    return latest_results(read_inspection_file(path))


class InspectionLog:
    """The store's inspection_outcomes table (schema migration 4), through the store's own
    transactions and placeholders."""

    def __init__(self, store: DecisionStore) -> None:
        self.store = store

    def record(
        self,
        outcomes: Sequence[InspectionOutcome],
        *,
        partner_id: str = "",
        now: datetime | None = None,
    ) -> int:
        """Record every outcome in one transaction; InvalidArgument naming each row whose
        declaration is not stored (or is ambiguous between partners), and nothing written."""
        now = now or datetime.now(UTC)
        owners = self._owners({o.declaration_id for o in outcomes})
        violations = FieldViolations()
        rows: list[tuple[Any, ...]] = []
        for outcome in outcomes:
            partner = outcome.partner_id or partner_id
            candidates = owners.get(outcome.declaration_id, set())
            where = f"line {outcome.line}"
            if partner and partner not in candidates:
                violations.add(
                    f"{where}.declaration_id",
                    f"{outcome.declaration_id!r} is not stored for partner {partner!r}",
                )
                continue
            if not partner and len(candidates) != 1:
                problem = "is not stored" if not candidates else "is stored for several partners"
                violations.add(
                    f"{where}.declaration_id",
                    f"{outcome.declaration_id!r} {problem}; give partner_id",
                )
                continue
            rows.append(
                (
                    partner or next(iter(candidates)),
                    outcome.declaration_id,
                    self.store._to_db_time(outcome.inspected_at or now),
                    outcome.found,
                    json.dumps(list(outcome.finding_codes)),
                    outcome.note,
                    self.store._to_db_time(now),
                )
            )
        if violations:
            raise violations.error("inspection outcomes for unknown declarations")
        statement = self.store._sql(
            "INSERT INTO inspection_outcomes (partner_id, declaration_id, inspected_at, found,"
            " finding_codes, officer_note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (partner_id, declaration_id, inspected_at) DO UPDATE SET"
            " found = excluded.found, finding_codes = excluded.finding_codes,"
            " officer_note = excluded.officer_note, recorded_at = excluded.recorded_at"
        )
        with self.store._transaction() as cursor:
            cursor.executemany(statement, rows)
            mark_inspections(self.store, cursor, ((row[0], row[1]) for row in rows))
        return len(rows)

    def _owners(self, declaration_ids: set[str]) -> dict[str, set[str]]:
        """declaration id -> the partners that stored a declaration under it."""
        owners: dict[str, set[str]] = {}
        ordered = sorted(declaration_ids)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            with self.store._transaction() as cursor:
                cursor.execute(
                    self.store._sql(
                        "SELECT declaration_id, partner_id FROM declarations"
                        f" WHERE declaration_id IN ({marks})"
                    ),
                    chunk,
                )
                for declaration_id, partner in cursor.fetchall():
                    owners.setdefault(declaration_id, set()).add(partner)
        return owners

    def outcomes(self, period: Period, partner_id: str | None = None) -> list[InspectionOutcome]:
        """The recorded inspections of the declarations declared in the period, oldest first."""
        clauses, params = period_filter(period, partner_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        statement = (
            "SELECT o.partner_id, o.declaration_id, o.inspected_at, o.found, o.finding_codes,"
            " o.officer_note FROM inspection_outcomes o JOIN declarations d"
            " ON d.partner_id = o.partner_id AND d.declaration_id = o.declaration_id"
            f"{where} ORDER BY o.inspected_at, o.partner_id, o.declaration_id"
        )
        with self.store._transaction() as cursor:
            cursor.execute(self.store._sql(statement), params)
            rows = cursor.fetchall()
        return [
            InspectionOutcome(
                declaration_id=row[1],
                found=bool(row[3]),
                partner_id=row[0],
                inspected_at=self.store._from_db_time(row[2]),
                finding_codes=tuple(json.loads(row[4])),
                note=row[5],
            )
            for row in rows
        ]
