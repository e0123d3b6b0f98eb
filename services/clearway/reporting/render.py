"""Rows, terminal tables, CSV and JSON of a report or a simulation comparison.

Rows are plain dicts of strings and ints (money as strings of exact cents), so the same rows
feed the terminal, CSV for spreadsheets and JSON for tools.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TextIO

from clearway.reporting.measure import DIMENSIONS, GroupTotals, RuleHits, Summary

CENT = Decimal("0.01")
RATE = Decimal("0.0001")

Row = dict[str, Any]


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_EVEN))


def ratio(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(RATE, rounding=ROUND_HALF_EVEN))


def _totals_row(totals: GroupTotals, charge_types: Sequence[str], selectivity: Decimal) -> Row:
    row: Row = {
        "parcels": totals.parcels,
        "declared_value": money(totals.declared_value),
        "assessed": money(totals.assessed),
        "at_sale": money(totals.at_sale),
        "at_import": money(totals.at_import),
    }
    for kind in charge_types:
        row[kind.lower()] = money(totals.by_type.get(kind, Decimal(0)))
    row.update(
        {
            "full_declarations": totals.full_declarations,
            "selected_for_inspection": totals.selected,
            "inspection_rate": ratio(totals.inspection_rate),
            "inspection_workload": totals.workload(selectivity),
            "burden_per_parcel": money(totals.burden_per_parcel),
        }
    )
    return row


def report_rows(
    summary: Summary, selectivity: Decimal, dimensions: Sequence[str] = DIMENSIONS
) -> list[Row]:
    """One row per (dimension, key, currency)."""
    types = summary.charge_types
    return [
        {"dimension": dimension, "key": key, "currency": currency}
        | _totals_row(totals, types, selectivity)
        for dimension in dimensions
        for key, currency, totals in summary.rows(dimension)
    ]


def hit_rows(summary: Summary) -> list[Row]:
    """Inspection hit rates: all inspected parcels, then per risk rule."""

    def row(hits: RuleHits) -> Row:
        return {
            "rule_id": hits.rule_id,
            "selected_for_inspection": hits.selected,
            "results_recorded": hits.with_result,
            "found": hits.found,
            "hit_rate": ratio(hits.hit_rate),
        }

    return [row(summary.inspections), *(row(h) for h in summary.rule_hits.values())]


def comparison_rows(
    scenarios: Sequence[tuple[str, Summary]],
    selectivity: Decimal,
    dimension: str = "destination",
) -> list[Row]:
    """Per scenario and group: the figures and their difference from the first scenario."""
    types = sorted({t for _label, summary in scenarios for t in summary.charge_types})
    baseline: dict[tuple[str, str], Row] = {}
    rows: list[Row] = []
    for index, (label, summary) in enumerate(scenarios):
        groups = [("total", k, c, t) for k, c, t in summary.rows("total")] + [
            (dimension, k, c, t) for k, c, t in summary.rows(dimension)
        ]
        for group_dimension, key, currency, totals in groups:
            row: Row = {"scenario": label, "dimension": group_dimension, "key": key}
            row["currency"] = currency
            row |= _totals_row(totals, types, selectivity)
            base = baseline.setdefault((f"{group_dimension}:{key}", currency), row)
            if index:
                row["delta_assessed"] = money(Decimal(row["assessed"]) - Decimal(base["assessed"]))
                row["delta_full_declarations"] = (
                    row["full_declarations"] - base["full_declarations"]
                )
                row["delta_inspection_workload"] = (
                    row["inspection_workload"] - base["inspection_workload"]
                )
                row["delta_burden_per_parcel"] = money(
                    Decimal(row["burden_per_parcel"]) - Decimal(base["burden_per_parcel"])
                )
            rows.append(row)
    return rows


def write_csv(rows: Sequence[Row], out: TextIO) -> None:
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def write_json(document: Mapping[str, Any], out: TextIO) -> None:
    json.dump(document, out, indent=2, sort_keys=False)
    out.write("\n")


_HEADINGS = {
    "declared_value": "value",
    "full_declarations": "full decl",
    "selected_for_inspection": "inspect",
    "inspection_rate": "insp rate",
    "inspection_workload": "workload",
    "burden_per_parcel": "burden/parcel",
    "delta_assessed": "Δ assessed",
    "delta_full_declarations": "Δ full decl",
    "delta_inspection_workload": "Δ workload",
    "delta_burden_per_parcel": "Δ burden",
    "results_recorded": "results",
}


def write_table(
    rows: Sequence[Row], out: TextIO, title: str = "", hide: Sequence[str] = ()
) -> None:
    """A fixed-width table; text left, numbers right."""
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns and c not in hide)
    if title:
        out.write(f"\n{title}\n")
    if not rows:
        out.write("  (nothing to show)\n")
        return
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    headings = [_HEADINGS.get(c, c.replace("_", " ")) for c in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headings)]
    numeric = [
        all(_is_number(r[i]) for r in cells if r[i]) and any(r[i] for r in cells)
        for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out.write(line(headings) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for values in cells:
        out.write(line(values) + "\n")


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
