"""Aggregation of parcel facts: exact Decimal totals, workload at a selectivity, hit rates."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearway.reference.fx import ExchangeRates
from clearway.reporting.facts import ChargeFact, LineFact, ParcelFacts, needs_full_declaration
from clearway.reporting.inspections import read_inspection_results
from clearway.reporting.measure import CONSIGNMENT, GroupTotals, measure, rate_converter
from clearway.reporting.render import comparison_rows, hit_rows, report_rows, write_csv
from clearway.runtime.errors import InvalidArgument

DAY = date(2026, 9, 15)


def parcel(
    declaration_id: str,
    *,
    destination: str = "DE",
    regime: str = "EU_IOSS",
    outcome: str = "RELEASE",
    channel: str = "green",
    value: str = "40.00",
    charges: tuple[tuple[str, str, str, int], ...] = (("VAT", "7.60", "AT_SALE", 1),),
    currency: str = "EUR",
    rules: tuple[str, ...] = (),
) -> ParcelFacts:
    return ParcelFacts(
        declaration_id=declaration_id,
        declaration_date=DAY,
        destination=destination,
        origin="CN",
        regime=regime,
        outcome=outcome,
        channel=channel,
        risk_score=0,
        currency=currency,
        declared_value=Decimal(value),
        charges=tuple(
            ChargeFact(kind, Decimal(amount), currency, point, line)
            for kind, amount, point, line in charges
        ),
        lines=(LineFact(1, "610910", Decimal(value)),),
        risk_rules=rules,
    )


def test_regimes_that_need_a_full_declaration() -> None:
    assert [
        needs_full_declaration(r)
        for r in ("EU_IOSS", "UK_LOW_VALUE", "US_DE_MINIMIS", "UK_GIFT", "EU_STANDARD", "")
    ] == [False, False, False, False, True, False]
    assert needs_full_declaration("US_DUTIABLE")


def test_totals_are_exact_per_destination_and_collection_point() -> None:
    parcels = [
        parcel("A", value="40.00", charges=(("VAT", "7.60", "AT_SALE", 1),)),
        parcel(
            "B",
            regime="EU_STANDARD",
            outcome="RELEASE_AFTER_PAYMENT",
            value="200.10",
            charges=(("CUSTOMS_DUTY", "24.01", "AT_IMPORT", 1), ("VAT", "42.58", "AT_IMPORT", 1)),
        ),
        parcel("C", destination="FR", value="10.05", charges=(("VAT", "2.01", "AT_SALE", 0),)),
    ]
    summary = measure(parcels)
    (key, currency, de), (_fr_key, _c, fr) = summary.rows("destination")
    assert (key, currency) == ("DE", "EUR")
    assert de.parcels == 2 and de.full_declarations == 1
    assert de.declared_value == Decimal("240.10")
    assert (de.at_sale, de.at_import) == (Decimal("7.60"), Decimal("66.59"))
    assert de.by_type == {"VAT": Decimal("50.18"), "CUSTOMS_DUTY": Decimal("24.01")}
    assert fr.assessed == Decimal("2.01")
    ((_, total),) = summary.total()
    assert total.assessed == Decimal("76.20")
    assert total.burden_per_parcel == Decimal("25.4")
    chapters = {k: t for k, _c, t in summary.rows("hs_chapter")}
    assert chapters["61"].parcels == 3
    assert chapters[CONSIGNMENT].by_type == {"VAT": Decimal("2.01")}, "line 0 is consignment-level"
    assert summary.outcomes == {"RELEASE": 2, "RELEASE_AFTER_PAYMENT": 1}


def test_currencies_are_never_added_together_without_a_rate() -> None:
    summary = measure(
        [
            parcel("A"),
            parcel("B", destination="GB", regime="UK_LOW_VALUE", currency="GBP"),
        ]
    )
    assert [(c, t.parcels) for c, t in summary.total()] == [("EUR", 1), ("GBP", 1)]


def test_a_converter_brings_other_currencies_into_the_reporting_currency() -> None:
    def convert(amount: Decimal, currency: str, on: date) -> Decimal | None:
        return amount * Decimal("1.25") if currency == "GBP" else None

    summary = measure([parcel("A"), parcel("B", destination="GB", currency="GBP")], convert=convert)
    ((currency, total),) = summary.total()
    assert currency == "EUR"
    assert total.at_sale == Decimal("7.60") + Decimal("7.60") * Decimal("1.25")


def test_workload_adds_the_selectivity_share_of_other_full_declarations() -> None:
    totals = GroupTotals(parcels=100, full_declarations=30, selected=4, full_and_selected=2)
    assert totals.workload(Decimal("0.1")) == 4 + 3, "ceil(0.1 * 28) = 3"
    assert totals.workload(Decimal(0)) == 4
    assert totals.workload(Decimal(1)) == 32


@given(
    full=st.integers(0, 500),
    selected=st.integers(0, 500),
    share=st.decimals(0, 1, places=3),
)
def test_workload_lies_between_the_selected_and_all_flagged(
    full: int, selected: int, share: Decimal
) -> None:
    both = min(full, selected)
    totals = GroupTotals(
        parcels=full + selected, full_declarations=full, selected=selected, full_and_selected=both
    )
    assert selected <= totals.workload(share) <= selected + full - both


def test_hit_rates_overall_and_per_risk_rule() -> None:
    parcels = [
        parcel("R1", outcome="INSPECT", channel="red", rules=("RISK-UNDERVALUED",)),
        parcel("R2", outcome="INSPECT", channel="red", rules=("RISK-UNDERVALUED", "RISK-SPLIT")),
        parcel("R3", outcome="INSPECT", channel="red", rules=("RISK-SPLIT",)),
        parcel("G1"),
    ]
    results = {"R1": True, "R2": False, "G1": False}
    summary = measure(parcels, inspection_results=results)
    assert (summary.inspections.selected, summary.inspections.with_result) == (3, 2)
    assert summary.inspections.hit_rate == Decimal("0.5")
    assert summary.rule_hits["RISK-UNDERVALUED"].hit_rate == Decimal("0.5")
    assert summary.rule_hits["RISK-SPLIT"].with_result == 1
    assert summary.rule_hits["RISK-SPLIT"].hit_rate == Decimal(0)
    assert summary.unrecorded_results == 1, "G1 was checked without being selected"
    assert hit_rows(summary)[0] == {
        "rule_id": "ALL",
        "selected_for_inspection": 3,
        "results_recorded": 2,
        "found": 1,
        "hit_rate": "0.5000",
    }


def test_inspection_results_from_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "results.jsonl"
    jsonl.write_text(
        '{"declaration_id": "A", "found": true}\n\n{"declaration_id": "B", "found": false}\n'
    )
    csv_file = tmp_path / "results.csv"
    csv_file.write_text("declaration_id,found\nA,yes\nB,0\n")
    assert (
        read_inspection_results(jsonl)
        == read_inspection_results(csv_file)
        == {
            "A": True,
            "B": False,
        }
    )


def test_every_bad_inspection_line_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "results.jsonl"
    bad.write_text('{"declaration_id": "A", "found": "maybe"}\nnot json\n{"found": true}\n')
    with pytest.raises(InvalidArgument) as raised:
        read_inspection_results(bad)
    assert [v.field for v in raised.value.violations] == [
        "line 2",
        "line 1.found",
        "line 3.declaration_id",
    ]


def test_rows_render_as_csv_with_exact_cents() -> None:
    summary = measure([parcel("A"), parcel("B", value="12.345")])
    rows = report_rows(summary, Decimal("0.05"), ("destination",))
    out = io.StringIO()
    write_csv(rows, out)
    header, line = out.getvalue().splitlines()
    assert header.startswith("dimension,key,currency,parcels,declared_value,assessed")
    assert line.startswith("destination,DE,EUR,2,52.34,15.20,15.20,0.00,15.20")
    json.dumps(rows)


def test_comparison_rows_give_the_difference_from_the_first_scenario() -> None:
    before = measure([parcel("A"), parcel("B")])
    after = measure(
        [
            parcel(
                "A", charges=(("VAT", "7.60", "AT_SALE", 1), ("FLAT_DUTY", "3.00", "AT_SALE", 0))
            ),
            parcel("B", regime="EU_STANDARD"),
        ]
    )
    rows = comparison_rows([("before", before), ("after", after)], Decimal("0.5"))
    last = next(r for r in rows if r["scenario"] == "after" and r["key"] == "DE")
    assert last["delta_assessed"] == "3.00"
    assert last["delta_full_declarations"] == 1
    assert last["delta_inspection_workload"] == 1
    assert last["delta_burden_per_parcel"] == "1.50"


def test_parcels_after_the_rates_file_are_reported_at_its_last_rate_as_valuation_charged() -> None:
    """Inside the file: the rate of the day; after it: the last one (valuation's policy, so
    the report adds up what was charged); a currency without rates stays in its own."""
    friday, monday = date(2025, 5, 9), date(2025, 5, 12)
    rates = ExchangeRates(
        {"USD": {friday: Decimal("1.25"), monday: Decimal("1.00")}}, source=Path("rates.csv")
    )
    convert = rate_converter(rates, "EUR")
    assert convert(Decimal(10), "USD", friday) == Decimal(8)
    assert convert(Decimal(10), "USD", date(2026, 9, 15)) == Decimal(10)
    assert convert(Decimal(10), "CNY", monday) is None
